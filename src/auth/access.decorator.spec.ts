import { Controller, Get } from '@nestjs/common';
import { ApiOperation, DECORATORS } from '@nestjs/swagger';
import { Public, PUBLIC_ROUTE } from './access.decorator';

/** A route method by name (its metadata sits on the function itself). */
const route = (controller: { prototype: object }, name: string) =>
  (controller.prototype as Record<string, object>)[name];
const operation = (controller: { prototype: object }, name: string) =>
  Reflect.getMetadata(DECORATORS.API_OPERATION, route(controller, name));

describe('Public', () => {
  it('marks every route of a controller public with security: [], keeping their summaries', () => {
    @Controller()
    @Public()
    class Probes {
      @Get('a')
      @ApiOperation({ summary: 'A' })
      a() {}

      @Get('b')
      b() {}
    }
    expect(Reflect.getMetadata(PUBLIC_ROUTE, Probes)).toBe(true);
    expect(operation(Probes, 'a')).toEqual({ summary: 'A', security: [] });
    expect(operation(Probes, 'b')).toEqual({ security: [] });
  });

  it('writes security: [] on one route whichever side of @ApiOperation it is on', () => {
    class Routes {
      @Public()
      @ApiOperation({ summary: 'above' })
      above() {}

      @ApiOperation({ summary: 'below' })
      @Public()
      below() {}
    }
    expect(Reflect.getMetadata(PUBLIC_ROUTE, route(Routes, 'above'))).toBe(true);
    expect(operation(Routes, 'above')).toEqual({ summary: 'above', security: [] });
    expect(operation(Routes, 'below')).toEqual({ summary: 'below', security: [] });
  });
});
