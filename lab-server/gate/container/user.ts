/**
 * Who a process runs as and where it starts, for `docker run` and `docker exec` alike. Root in a
 * container is root on the host's kernel, one bug away from the host; a user name can map to uid 0 in
 * the image's /etc/passwd, so only a numeric non-root uid passes unless the lesson allows root. A working
 * directory under /proc or /sys is how runc's CVE-2024-21626 reached the host.
 */
import type { GatePolicy } from '../policy.ts';
import { checkContainerPath } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';

/** `uid[:gid]` numeric and not 0, or undefined when the user cannot be shown to be non-root. */
function nonRootUid(user: string): number | undefined {
  const match = /^([0-9]{1,10})(?::([0-9]{1,10}))?$/.exec(user);
  if (!match) return undefined;
  const uid = Number(match[1]);
  return uid === 0 ? undefined : uid;
}

/** `user` is what the learner asked for (may be empty), `imageUser` what the image (or container) runs as. */
export function checkUser(user: string, imageUser: string, policy: GatePolicy, where: string): void {
  if (user && !/^[a-zA-Z0-9_.-]{1,32}(:[a-zA-Z0-9_.-]{1,32})?$/.test(user)) throw badRequest(`${where}: the user ${JSON.stringify(user.slice(0, 40))} is not a valid user[:group].`);
  if (policy.allowRoot) return;
  const effective = user || imageUser;
  if (nonRootUid(effective) !== undefined) return;
  const reason = effective === '' || /^(0|root)(:|$)/.test(effective)
    ? `${user ? 'the user you asked for is root' : 'this image runs as root'}; root in a container is root on the host's kernel, one bug away from the host. Pass a numeric non-root user such as \`-u 1000\`, or set \`USER 1000\` in your Dockerfile`
    : `the user ${JSON.stringify(effective)} is a name, and a name can map to uid 0 in the image's /etc/passwd; use a numeric uid such as \`-u 1000\` (Kubernetes' runAsNonRoot has the same rule)`;
  throw forbidden(`running as root (${where})`, reason, 'hardening');
}

export function checkWorkingDir(dir: string, where: string): void {
  if (dir === '') return;
  checkContainerPath(dir, `${where} working directory`);
  if (dir === '/proc' || dir.startsWith('/proc/') || dir === '/sys' || dir.startsWith('/sys/')) {
    throw forbidden(`a working directory under ${dir.startsWith('/proc') ? '/proc' : '/sys'}`, 'a working directory in /proc/self/fd is how runc\'s CVE-2024-21626 ("Leaky Vessels") reached the host filesystem', 'threats');
  }
}
