import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DomainError } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { consoleSecurityHeaders } from './console-headers';

/** Vite names every built asset by its content hash, so a URL under assets/ never changes meaning. */
const HASHED_ASSET_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: always revalidated, so a deploy is seen at once. */
const INDEX_CACHE = 'no-cache';
/** Files copied as they are (the icon): short-lived, revalidated afterwards. */
const PLAIN_FILE_CACHE = 'public, max-age=300';

/**
 * The reviewer console's static files (SPEC §13), served with express's `send` (ranges, ETag,
 * Last-Modified, no path traversal). Paths that are not files are client-side routes and get
 * index.html; a missing hashed asset is a 404, never index.html under a script's name.
 */
@Injectable()
export class ConsoleFilesService implements OnModuleInit {
  private readonly logger = new Logger(ConsoleFilesService.name);
  private readonly root: string;
  private readonly headers: Record<string, string>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.root = resolve(config.console.dir);
    // With OIDC sign-in, the page fetches the provider's discovery document and token endpoint.
    this.headers = consoleSecurityHeaders(config.oidc?.clientId ? [new URL(config.oidc.issuer).origin] : []);
  }

  onModuleInit(): void {
    if (!this.built()) this.logger.warn(`The reviewer console is not built (${this.root}): run npm run build`);
  }

  /** Serves `segments` (the path below /console, already decoded) or the app's index.html. */
  serve(segments: readonly string[], res: Response): void {
    if (!this.built()) {
      throw new DomainError('not_found', 'The reviewer console is not built: run npm run build');
    }
    const path = segments.filter((s) => s !== '').join('/');
    if (path === '' || path === 'index.html') return this.send(res, 'index.html', INDEX_CACHE);
    if (segments[0] === 'assets') return this.send(res, path, HASHED_ASSET_CACHE);
    if (!path.includes('/') && existsSync(resolve(this.root, path)) && !path.startsWith('.')) {
      return this.send(res, path, PLAIN_FILE_CACHE);
    }
    return this.send(res, 'index.html', INDEX_CACHE);
  }

  private built(): boolean {
    return existsSync(resolve(this.root, 'index.html'));
  }

  private send(res: Response, path: string, cacheControl: string): void {
    res.sendFile(
      path,
      {
        root: this.root,
        dotfiles: 'deny',
        cacheControl: false,
        headers: { ...this.headers, 'cache-control': cacheControl },
      },
      (err?: Error & { status?: number; statusCode?: number }) => {
        if (!err || res.headersSent) return;
        const status = err.status ?? err.statusCode ?? 500;
        if (status === 404) return void this.notFound(res, path);
        if (status >= 500) this.logger.error(`console file ${path}: ${err.message}`);
        res.status(status).end();
      },
    );
  }

  private notFound(res: Response, path: string): void {
    res
      .status(404)
      .set({ ...this.headers, 'cache-control': 'no-store' })
      .type('text/plain')
      .send(`Not found: /console/${path}\n`);
  }
}
