/**
 * The example of the scenario contract (../shared/scenario-format.md, version 1), verbatim, so the
 * loader is tested against the text outside users copy.
 */
export const contractExampleText = `{
  "format": 1,
  "name": "boot-4k",
  "seed": 7,
  "hypervisor": {
    "scheduler": "core-smt",
    "repTimeSlice": 300,
    "faults": [{ "call": "MAP_GPA_PAGES", "nth": 2, "status": "INSUFFICIENT_MEMORY" }]
  },
  "hostMemory": [
    { "userAddr": "0x7f0000000000", "size": "1GiB", "pageSize": "4K" },
    { "userAddr": "0x7f4000000000", "size": "1GiB", "pageSize": "2M" },
    { "userAddr": "0x7f8000000000", "size": "64KiB", "mmio": true, "spa": "0xfe000000" }
  ],
  "steps": [
    { "op": "createPartition", "partition": "vm0", "flags": ["LAPIC", "X2APIC", "GPA_SUPER_PAGES"] },
    { "op": "initializePartition", "partition": "vm0" },
    { "op": "setGuestMemory", "partition": "vm0", "guestPfn": "0x0", "size": "1GiB",
      "userAddr": "0x7f0000000000", "flags": ["WRITABLE", "EXECUTABLE"] },
    { "op": "createVp", "partition": "vm0", "vpIndex": 0 },
    { "op": "runVp", "partition": "vm0", "vpIndex": 0,
      "guest": [{ "exit": "IO_PORT", "port": "0x3f8", "write": true, "size": 1, "value": 72 },
                { "exit": "HALT" }] },
    { "op": "setGuestMemory", "partition": "vm0", "guestPfn": "0x0", "size": "1GiB",
      "userAddr": "0x7f0000000000", "flags": ["UNMAP"] },
    { "op": "createVp", "partition": "vm0", "vpIndex": 256, "expect": "EINVAL" },
    { "op": "closePartition", "partition": "vm0" }
  ]
}
`;
