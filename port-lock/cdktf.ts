import * as fs from "node:fs";
import * as path from "node:path";
import { Config } from "../config/schema";
import { PortPlan } from "../modules/kafka-broker-ports/allocation";
import { checkPortLock, PortChanges, PortLock, PortLockError, PreviousAllocation, renderLock } from "./port-lock";

/** The lock cdktf synth had to create and could not: refused, naming the file and the cause. */
export class PortLockCreateError extends PortLockError {
  constructor(file: string, cause: string) {
    super(file, cause);
    this.message = `${file}: there is no port lock and it cannot be created (${cause}). Run \`npm run synth -- --config <configuration>\` to create it, or make its folder writable. Nothing was synthesized.`;
  }
}

/**
 * The port lock for `cdktf synth`/`deploy`: never passes silently without one. The first synth of
 * a configuration creates it (nothing was accepted before, so it records the ports as they are
 * now) and says so; afterwards it is checked and never written, so a `cdktf diff` or a failed
 * deploy does not record a change as accepted. Throws PortChangeError, PortLockError or
 * PortLockCreateError.
 */
export function cdktfPortLock(
  config: Config,
  plan: PortPlan,
  lockFile: string,
  previous: PreviousAllocation | undefined,
  allowChange: boolean,
  say: (line: string) => void,
): { next: PortLock; changes: PortChanges } {
  const checked = checkPortLock(config, plan, previous, allowChange);
  // A lock beside the configuration is only ever checked; without one (a first synth, or a copied
  // configuration checked against its output folder's record) the lock is created.
  if (previous?.source === lockFile) return checked;
  // Written aside and linked into place: a killed run leaves no half lock, and a lock another run
  // created meanwhile is never overwritten (link fails with EEXIST).
  const temporary = path.join(path.dirname(lockFile), `.${path.basename(lockFile)}.${process.pid}.new`);
  try {
    fs.writeFileSync(temporary, renderLock(checked.next));
    fs.linkSync(temporary, lockFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PortLockCreateError(lockFile, code === "EEXIST" ? "another run created it meanwhile; run again to check against it" : (err as Error).message);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
  say(`Port lock: created ${lockFile} (no lock existed): it records the bootstrap port and every broker's port; commit it.`);
  return checked;
}
