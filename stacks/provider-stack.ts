import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config } from "../config/schema";
import { KafkaPrivateLinkProvider } from "../modules/kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { configureStack } from "./aws-access";
import { providerProps } from "./inputs";
import { addMoves, MODULE_CALL, moduleSource, movesIntoModule, passOutputs } from "./module-call";

export interface ProviderStackProps {
  readonly config: Config;
}

/**
 * The provider half for `cdktf deploy`: a thin root that calls the published provider module
 * (`module "kafka"`, MODULE_CALL) with the cluster's values, and passes its outputs on.
 */
export class ProviderStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkProvider;

  constructor(scope: Construct, id: string, { config }: ProviderStackProps) {
    super(scope, id);
    configureStack(this, config.cluster, config.state);
    this.kafka = new KafkaPrivateLinkProvider(this, MODULE_CALL, { source: moduleSource(PROVIDER_MODULE), ...providerProps(config) });
    passOutputs(this, this.kafka, PROVIDER_MODULE);
    addMoves(this, movesIntoModule(PROVIDER_MODULE, MODULE_CALL));
  }
}
