import { z } from 'zod';
import type { ReviewTemplate } from './review-templates';
import { ID_PATTERN, invalidArgument } from './policy-definition';

const PRIORITY_VALUES = ['urgent', 'high', 'normal', 'low'] as const;
const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A tenant-authored review template (SPEC §6.5, §14): the studio lists it beside the built-in ones. */
export type ReviewTemplateDefinition = Omit<ReviewTemplate, 'template_id'> & { required_approvals: number };

const definitionSchema = z.strictObject({
  title: text(200),
  description: z.string().max(2000, 'must be at most 2000 characters').default(''),
  workflow_kind: text(200).default('incident_review'),
  default_priority: z
    .enum(PRIORITY_VALUES, { error: `must be one of ${PRIORITY_VALUES.join(', ')}` })
    .default('normal'),
  default_sla_hours: z
    .number({ error: 'must be an integer number of hours between 1 and 8760' })
    .int('must be an integer number of hours between 1 and 8760')
    .min(1, 'must be an integer number of hours between 1 and 8760')
    .max(8760, 'must be an integer number of hours between 1 and 8760'),
  reviewer_role: text(200).default('admin'),
  required_approvals: z
    .number({ error: 'must be an integer between 1 and 10' })
    .int('must be an integer between 1 and 10')
    .min(1, 'must be an integer between 1 and 10')
    .max(10, 'must be an integer between 1 and 10')
    .default(1),
});

const createSchema = definitionSchema.extend({
  template_id: z.string().regex(ID_PATTERN, 'must be 1-64 of a-z, 0-9, _ . - starting with a letter or digit'),
});

/** Checks a create (template_id required) or update body; every problem in one 400. */
export function parseReviewTemplateBody(
  body: unknown,
  creating: boolean,
  builtIn: readonly string[],
): ReviewTemplateDefinition & { template_id?: string } {
  const result = (creating ? createSchema : definitionSchema).safeParse(body ?? {});
  if (!result.success) throw invalidArgument(result.error);
  const parsed = result.data as ReviewTemplateDefinition & { template_id?: string };
  if (parsed.template_id && builtIn.includes(parsed.template_id)) {
    throw invalidArgument(
      new z.ZodError([
        { code: 'custom', path: ['template_id'], message: `${parsed.template_id} is a built-in template`, input: '' },
      ]),
    );
  }
  return parsed;
}
