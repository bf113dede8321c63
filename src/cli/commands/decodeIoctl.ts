import { FOREIGN_IOCTLS, lookupForeignIoctl } from '../../hv/uapi/ForeignIoctl.js';
import type { ForeignIoctl } from '../../hv/uapi/ForeignIoctl.js';
import { decodeIocRequest, formatRequest, iocMacro, MSHV_IOCTL } from '../../hv/uapi/ioctl.js';
import type { IocFields, IocMacro } from '../../hv/uapi/ioctl.js';
import { IOCTL_FD_LABEL, lookupIoctl, MSHV_IOCTLS } from '../../hv/uapi/MshvIoctl.js';
import type { IoctlDef } from '../../hv/uapi/MshvIoctl.js';
import { CliError } from '../CliError.js';
import { parseCliBigint } from '../parseNumber.js';

const DIRECTION: Readonly<Record<IocMacro, string>> = {
  _IO: 'no argument',
  _IOW: 'userspace writes the argument',
  _IOR: 'the kernel writes the argument back',
  _IOWR: 'argument read and written back',
};

const hex2 = (n: number): string => `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;

function fieldsLine(request: number, f: IocFields): string {
  return `request: ${formatRequest(request)} (dir ${iocMacro(f.dir)}, type ${hex2(f.type)}, nr ${hex2(f.nr)}, size ${f.size})`;
}

function argLine(arg: { readonly name: string; readonly size: number } | undefined): string {
  return arg === undefined ? '  argument: none' : `  argument: ${arg.name} (${arg.size} bytes)`;
}

/** The fd label, with its `since` and (when the block lists several fds) its fd-specific note. */
function fdText(d: IoctlDef, noteInline: boolean): string {
  const extra = [
    ...(d.since === undefined ? [] : [`${d.since} only`]),
    ...(noteInline && d.note !== undefined ? [d.note] : []),
  ];
  return extra.length === 0 ? IOCTL_FD_LABEL[d.fd] : `${IOCTL_FD_LABEL[d.fd]} (${extra.join('; ')})`;
}

/** One block per ioctl name; entries of the same name (MSHV_ROOT_HVCALL) differ only in fd. */
function mshvBlock(defs: readonly IoctlDef[]): string[] {
  const [first] = defs;
  if (first === undefined) return [];
  const driver = first.driver === 'mshv_root' ? 'mshv_root' : 'mshv_vtl driver, not mshv_root';
  const lines = [
    `ioctl: ${first.name} (${driver})`,
    `  fd: ${defs.map((d) => fdText(d, defs.length > 1)).join(', ')}`,
    `  direction: ${first.macro} (${DIRECTION[first.macro]})`,
    `  nr: ${hex2(first.nr)}`,
    argLine(first.arg),
  ];
  if (defs.length === 1 && first.note !== undefined) lines.push(`  note: ${first.note}`);
  return lines;
}

function foreignBlock(f: ForeignIoctl): string[] {
  return [
    `ioctl: ${f.name} (${f.owner}, ${f.header})`,
    `  direction: ${f.macro} (${DIRECTION[f.macro]})`,
    `  nr: ${hex2(f.nr)}`,
    argLine(f.arg),
  ];
}

function sameNrLine(nr: number): string[] {
  const same = MSHV_IOCTLS.filter((d) => d.nr === nr);
  const names = [...new Map(same.map((d) => [d.name, d])).values()];
  if (names.length === 0) return [];
  return [
    `mshv ioctls with nr ${hex2(nr)}: ${names.map((d) => `${d.name} ${formatRequest(d.request)}`).join(', ')}`,
  ];
}

/**
 * Decode an ioctl request number (decimal or 0x hex) into display lines: the mshv ioctl(s) it names,
 * their fd kinds, direction, nr and argument; a Marvell CN10K DPI ioctl for the foreign users of
 * type 0xB8 (inventory §a.3); otherwise the raw dir/type/nr/size. Throws a CliError (exit 2) for
 * text that is not a number or does not fit 32 bits.
 *
 * @example
 * decodeIoctl('0x8100B800')[1]; // 'ioctl: MSHV_RUN_VP (mshv_root)'
 */
export function decodeIoctl(text: string): string[] {
  const value = parseCliBigint(text, 'ioctl request');
  if (value > 0xffff_ffffn) throw new CliError(`ioctl request: ${text} does not fit 32 bits`);
  const request = Number(value);
  const fields = decodeIocRequest(request);
  const lines = [fieldsLine(request, fields)];

  const matches = lookupIoctl(request);
  if (matches.length > 0) {
    const byName = new Map<string, IoctlDef[]>();
    for (const d of matches) byName.set(d.name, [...(byName.get(d.name) ?? []), d]);
    for (const defs of byName.values()) lines.push(...mshvBlock(defs));
    if (byName.size > 1) {
      lines.push(`${byName.size} ioctls share this number; the fd they are issued on decides which one runs`);
    }
    return lines;
  }

  if (fields.type !== MSHV_IOCTL) {
    lines.push(`not an mshv ioctl: type ${hex2(fields.type)} (mshv uses ${hex2(MSHV_IOCTL)})`);
    return lines;
  }

  const foreign = lookupForeignIoctl(request);
  if (foreign !== undefined) {
    lines.push(
      `not an mshv ioctl: type ${hex2(MSHV_IOCTL)} is shared with the ${foreign.owner} driver (seed review point 12)`,
      ...foreignBlock(foreign),
    );
  } else {
    const foreignNr = FOREIGN_IOCTLS.filter((f) => f.nr === fields.nr).map((f) => f.name);
    lines.push(
      `type ${hex2(MSHV_IOCTL)} but no known mshv ioctl` +
        (foreignNr.length > 0 ? ` (nor ${foreignNr.join(', ')}, which also uses nr ${hex2(fields.nr)})` : ''),
    );
  }
  lines.push(...sameNrLine(fields.nr));
  return lines;
}
