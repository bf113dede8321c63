import {
  HV_SCHEDULER_TYPE,
  HV_SYSTEM_PROPERTY_SCHEDULER_TYPE,
} from '../../../src/hv/flags/HvPartitionProperty.js';
import {
  GetSystemProperty,
  GetSystemPropertyInput,
  GetSystemPropertyOutput,
} from '../../../src/hv/hypercalls/GetSystemProperty.js';
import type { Scheduler } from '../../../src/scenario/Scenario.js';
import { S, simpleHandler } from './Handler.js';

const SCHEDULER_TYPE: Readonly<Record<Scheduler, number>> = {
  lp: HV_SCHEDULER_TYPE.LP,
  'lp-smt': HV_SCHEDULER_TYPE.LP_SMT,
  'core-smt': HV_SCHEDULER_TYPE.CORE_SMT,
  root: HV_SCHEDULER_TYPE.ROOT,
};

/** GET_SYSTEM_PROPERTY: only SCHEDULER_TYPE (15), the configured scheduler; other ids are INVALID_PARAMETER. */
export const GetSystemPropertyHandler = simpleHandler(GetSystemProperty, [S.INVALID_PARAMETER], (ctx) => {
  const v = GetSystemPropertyInput.decode(ctx.input);
  if (v.propertyId !== HV_SYSTEM_PROPERTY_SCHEDULER_TYPE) return S.INVALID_PARAMETER;
  if (ctx.output !== null)
    GetSystemPropertyOutput.encode({ schedulerType: SCHEDULER_TYPE[ctx.m.knobs.scheduler] }, ctx.output.view);
  return S.SUCCESS;
});
