/**
 * How the modelled VMM uses /dev/mshv where VMMs differ, beyond the intents it is given. Recorded in
 * a log's run meta so replay runs the same VMM; absent means every default.
 */
export interface VmmConfig {
  /**
   * Map each VP's register page into the VMM (mmap of the VP fd at page offset 0, as rust-vmm's
   * mshv-ioctls and cloud-hypervisor do at VP creation, for register access without an ioctl), and
   * unmap it when the VP is let go. A mapping holds its partition: a VMM that never unmaps leaks
   * every partition it closes (rust-vmm/mshv issue 194). Default false: logs written before it keep
   * replaying.
   */
  readonly mapVpRegisterPages: boolean;
}

/** Every default: no VP page is mapped by the VMM. */
export const DEFAULT_VMM: VmmConfig = { mapVpRegisterPages: false };
