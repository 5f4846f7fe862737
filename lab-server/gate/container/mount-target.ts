/**
 * The one rule for every mount target, whatever the kind of mount: a canonical container path, and not
 * over /proc, /sys or /dev (except /dev/shm), where a mount hides the kernel's protections from the
 * runtime (runc CVE-2019-19921 mounted over /proc). Each kind keeps its own words in a refusal.
 */
import { checkContainerPath, isKernelPath } from '../fields.ts';
import { forbidden } from '../refusal.ts';

const KERNEL_WHY = 'hide the kernel\'s protections from the runtime';
const CVE = ' (runc CVE-2019-19921)';

/** How each kind of mount names its target in a refusal. */
const TARGETS = {
  bind: { path: 'the mount target', refused: (p: string) => `mounting over ${p}`, why: `volumes over /proc, /sys or /dev ${KERNEL_WHY}${CVE}` },
  mount: { path: 'the mount target', refused: (p: string) => `mounting over ${p}`, why: `mounts over /proc, /sys or /dev ${KERNEL_WHY}${CVE}` },
  tmpfs: { path: 'the tmpfs path', refused: (p: string) => `a tmpfs over ${p}`, why: `mounts over /proc, /sys or /dev ${KERNEL_WHY}` },
  volume: { path: 'the volume path', refused: (p: string) => `a volume at ${p}`, why: `volumes over /proc, /sys or /dev ${KERNEL_WHY}${CVE}` },
} as const;

export function checkMountTarget(path: string, kind: keyof typeof TARGETS): void {
  const target = TARGETS[kind];
  checkContainerPath(path, target.path);
  if (isKernelPath(path)) throw forbidden(target.refused(path), target.why, 'threats');
}

