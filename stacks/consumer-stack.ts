import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config, ConsumerConfig } from "../config/schema";
import { KafkaPrivateLinkConsumer } from "../modules/kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { configureStack } from "./aws-access";
import { consumerProps } from "./inputs";
import { addMoves, Move, MODULE_CALL, moduleSource, movesIntoModule, movesOfKeyedResource, passOutputs } from "./module-call";

export interface ConsumerStackProps {
  readonly config: Config;
  readonly consumer: ConsumerConfig;
  /** The endpoint service to connect to; a cross-stack reference to the provider stack by default. */
  readonly serviceName: string;
}

/**
 * The consumer half for one client VPC, for `cdktf deploy`: a thin root that calls the published
 * consumer module (`module "kafka"`, MODULE_CALL) with the cluster's connection as a literal object, and passes
 * its outputs on.
 */
export class ConsumerStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkConsumer;

  constructor(scope: Construct, id: string, { config, consumer, serviceName }: ConsumerStackProps) {
    super(scope, id);
    configureStack(this, consumer, config.state);
    this.kafka = new KafkaPrivateLinkConsumer(this, MODULE_CALL, { source: moduleSource(CONSUMER_MODULE), ...consumerProps(config, consumer, serviceName) });
    passOutputs(this, this.kafka, CONSUMER_MODULE);
    addMoves(this, consumerMoves(consumer.allowedCidrs));
  }
}

/** 0.1.0's one endpoint security group, keyed by CIDR since 0.2.0: the first CIDR keeps it. */
const SECURITY_GROUP = "aws_security_group.endpoint";

/**
 * The moves of a consumer stack from the root layouts: every resource into the module call, and
 * 0.1.0's one security group into the first CIDR's key of the per-CIDR map, so that neither the
 * group nor the endpoint it is attached to changes.
 */
function consumerMoves(allowedCidrs: readonly string[]): Move[] {
  return movesIntoModule(CONSUMER_MODULE, MODULE_CALL).flatMap((m) =>
    m.from === SECURITY_GROUP ? movesOfKeyedResource(SECURITY_GROUP, MODULE_CALL, allowedCidrs, allowedCidrs[0]) : [m],
  );
}
