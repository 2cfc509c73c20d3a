/**
 * Configurations for the benchmark: one cluster with brokers 1..N and one consumer. Every port
 * is spelled out (not left to defaults) so the baseline, which implements no defaults, builds
 * exactly what the main job builds.
 */
export function benchConfig(brokers: number) {
  return {
    cluster: {
      name: "bench",
      region: "us-east-1",
      vpcId: "vpc-0a1b2c3d4e5f60718",
      subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722", "subnet-0a1b2c3d4e5f60733"],
      advertisedHostname: "bench.kafka.example.internal",
      bootstrapPort: 9091,
      brokerPortBase: 6000,
      brokerTargetPort: 9094,
      // Spread over three subnets' ranges, as brokers in three AZs would be.
      brokers: Array.from({ length: brokers }, (_, i) => ({ id: i + 1, target: `10.0.${(i % 3) + 1}.${11 + i}` })),
      allowedPrincipals: ["arn:aws:iam::111122223333:root"],
      tags: { team: "streaming" },
    },
    consumers: [
      {
        name: "analytics",
        region: "us-east-1",
        vpcId: "vpc-0f1e2d3c4b5a69788",
        subnetIds: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"],
        allowedCidrs: ["10.20.0.0/16"],
      },
    ],
  };
}
