/**
 * The load balancer and the clients' name resolution as the AWS API reports them after
 * `cdktf deploy` (emulator/inventory.ts), for the rehearsal's HAProxy and client namespace: what
 * Terraform deployed, not our reading of the synthesized JSON. Every link of the chain a client
 * follows is taken from the account: the Route 53 alias record → the interface endpoint whose DNS
 * name it aliases → the endpoint service → its NLB → the NLB's listeners → their target groups →
 * the targets registered in them. A broken link fails here, naming it.
 */
import * as fs from "node:fs";
import { isIPv4 } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { DoctorReport } from "../doctor/doctor";
import { createAccount, EmulatedProject, emulatedConfig, readConfigDocument, startEmulator } from "../emulator/emulator";
import { readInventory, type Inventory } from "../emulator/inventory";
import type { LoadBalancerListener } from "./haproxy";
import { log, Rehearsal, RehearsalFailure, type DeploymentOptions } from "./rehearsal";

/** A deploy of both stacks takes about 2 minutes here. */
const DEPLOY_TIMEOUT_MS = 300_000;

export interface DeployedLoadBalancer {
  /** The NLB's listeners, each with the targets registered in the groups it forwards to. */
  readonly listeners: LoadBalancerListener[];
  /** The names of the alias records that lead to this NLB (through an endpoint to its endpoint service). */
  readonly hostnames: string[];
}

/** A link of the deployed chain is missing or not what the rehearsal can stand in for. */
const unrehearsable = (problems: readonly string[]) => new RehearsalFailure(problems, "the deployed state cannot be rehearsed");

const dnsName = (name: string | undefined) => (name ?? "").toLowerCase().replace(/\.$/, "");

/** The one network load balancer `inventory` holds, as HAProxy listeners, and the names that lead to it. */
export function deployedLoadBalancer(inventory: Inventory): DeployedLoadBalancer {
  const nlbs = inventory.loadBalancers.filter((lb) => lb.type === "network");
  if (nlbs.length !== 1) {
    throw unrehearsable([
      `the account holds ${nlbs.length} network load balancers (${nlbs.map((lb) => lb.name).join(", ") || "none"}); the rehearsal stands in for exactly one`,
    ]);
  }
  const [nlb] = nlbs;
  const problems: string[] = [];
  const groups = new Map(inventory.targetGroups.map((g) => [g.arn, g]));

  const listeners = nlb.listeners.map((listener): LoadBalancerListener => {
    const targets = listener.targetGroupArns.flatMap((arn) => {
      const group = groups.get(arn);
      if (!group) {
        problems.push(`listener ${listener.arn} (port ${listener.port}) forwards to target group ${arn}, which DescribeTargetGroups does not list`);
        return [];
      }
      return group.targets.map((target) => {
        // Registered targets read back as `id:port`; with targetType ip the ID is the broker's address.
        const split = target.lastIndexOf(":");
        const address = target.slice(0, split);
        if (!isIPv4(address)) {
          problems.push(`target group ${group.name} holds target ${target}, not an IPv4 address (the rehearsal needs targetType ip)`);
        }
        return { address, port: Number(target.slice(split + 1)) };
      });
    });
    const groupNames = listener.targetGroupArns.map((arn) => groups.get(arn)?.name ?? arn).join(", ");
    return { port: listener.port, targets, source: `listener ${listener.arn} → ${groupNames}` };
  });

  const serviceNames = new Set(inventory.endpointServices.filter((s) => s.nlbArns.includes(nlb.arn)).map((s) => s.name));
  const endpoints = inventory.endpoints.filter((e) => serviceNames.has(e.serviceName));
  const endpointNames = new Set(endpoints.flatMap((e) => e.dnsEntries.map((d) => dnsName(d.dnsName))));
  const hostnames = [
    ...new Set(
      inventory.hostedZones
        .flatMap((zone) => zone.records)
        .filter((r) => r.type === "A" && r.aliasDnsName !== undefined && endpointNames.has(dnsName(r.aliasDnsName)))
        .map((r) => dnsName(r.name)),
    ),
  ].sort();
  if (serviceNames.size === 0) {
    problems.push(`no endpoint service fronts the load balancer ${nlb.arn}`);
  } else if (endpoints.length === 0) {
    problems.push(`no interface endpoint connects to ${[...serviceNames].join(", ")}`);
  } else if (hostnames.length === 0) {
    problems.push(
      `no Route 53 alias record points at the DNS name of an endpoint to ${[...serviceNames].join(", ")} (${[...endpointNames].join(", ") || "the endpoints have none"})`,
    );
  }
  if (problems.length > 0) {
    throw unrehearsable(problems);
  }
  return { listeners, hostnames };
}

export interface DeployedRehearsal {
  /** What the load balancer stand-in served and the client resolved. */
  readonly deployed: DeployedLoadBalancer;
  /** The doctor's last report (with one broker stopped). */
  readonly doctor: DoctorReport;
  /** The broker the rehearsal stopped. */
  readonly stopped: readonly number[];
}

/**
 * The rehearsal on a deployment: HAProxy serves the listeners `inventory` reports, the client
 * resolves its alias records' names, the brokers run the `broker_config` of the stacks in
 * `outDir` (the cdktf output folder `cdktf deploy` applied). Rejects with a RehearsalFailure when
 * anything fails (a broken link of the deployed chain under a header of its own); everything
 * started is stopped either way.
 */
export async function rehearseDeployment(options: DeploymentOptions & { inventory: Inventory }): Promise<DeployedRehearsal> {
  const deployed = deployedLoadBalancer(options.inventory);
  const rehearsal = await Rehearsal.fromDeployment({ ...options, hostnames: deployed.hostnames });
  try {
    await rehearsal.rehearse(deployed.listeners);
    return { deployed, doctor: rehearsal.lastDoctorReport!, stopped: rehearsal.stoppedBrokers };
  } finally {
    rehearsal.close();
  }
}

/**
 * `npm run rehearse -- --deployed`: the configuration deployed with the real cdktf CLI into a
 * fresh emulated account (emulator/), read back through the AWS API, and rehearsed from that.
 * The emulated account lives in moto's memory: stopping moto removes it, so nothing is destroyed.
 */
export async function rehearseDeployed(configFile: string): Promise<DeployedRehearsal> {
  const emulator = await startEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-rehearsal-deploy-"));
  try {
    const base = readConfigDocument(configFile);
    const account = await createAccount(emulator.endpoint, base);
    const project = new EmulatedProject(dir, emulator.endpoint, path.basename(configFile));
    const { config, stacks } = project.writeConfig(emulatedConfig(base, account));
    log(`deploying ${stacks.join(", ")} into the emulated account (about 2 minutes)`);
    const run = await project.cdktf(["deploy", ...stacks, "--auto-approve", "--skip-provider-lock"], DEPLOY_TIMEOUT_MS);
    if (run.status !== 0) {
      throw new RehearsalFailure([`cdktf deploy failed (exit ${run.status}) after ${run.seconds.toFixed(0)} s:\n${run.output.slice(-4000)}`]);
    }
    log(`cdktf deploy took ${run.seconds.toFixed(0)} s`);
    const inventory = await readInventory(emulator.endpoint, [config.cluster.region, ...config.consumers.map((c) => c.region)]);
    return await rehearseDeployment({ inventory, config, outDir: path.join(dir, "cdktf.out") });
  } finally {
    await emulator.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
