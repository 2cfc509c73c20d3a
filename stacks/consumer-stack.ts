import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config, ConsumerConfig } from "../config/schema";
import { CONSUMER_MODULE, KafkaPrivateLinkConsumer } from "../modules/kafka-privatelink-consumer";
import { configureStack } from "./aws-access";
import { consumerProps } from "./inputs";
import { addMoves, MODULE_CALL, moduleSource, movesIntoModule, passOutputs } from "./module-call";

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
    addMoves(this, movesIntoModule(CONSUMER_MODULE, MODULE_CALL));
  }
}
