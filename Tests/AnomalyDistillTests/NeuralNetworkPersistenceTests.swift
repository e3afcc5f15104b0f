import Foundation
import Testing

@testable import AnomalyDistill

@Suite struct NetworkPersistenceTests {
    static func trainedNetwork() throws -> (Network, Matrix) {
        let x = TrainingProblems.lowRank(count: 64, width: 5, rank: 2, seed: 1)
        var random = RandomSource(seed: 2)
        var network = Network(
            architecture: try .mlp(inputWidth: 5, hidden: [6, 2, 6], outputWidth: 5, dropout: 0.1, batchNorm: true),
            random: &random)
        var adam = Adam()
        try Trainer(epochs: 2, batchSize: 16).fit(
            &network, inputs: x, targets: x, loss: MeanSquaredError(),
            optimizer: &adam, using: &random)
        return (network, x)
    }

    @Test("tensors use PyTorch's names and layouts")
    func names() throws {
        let (network, _) = try Self.trainedNetwork()
        let tensors = network.tensors()
        #expect(
            Array(tensors.map(\.name).prefix(6)) == [
                "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.1.running_mean",
                "layers.1.running_var",
            ])
        #expect(tensors[0].shape == [6, 5])
        #expect(network.parameterCount == (5 * 6 + 6) + 12 + (6 * 2 + 2) + 4 + (2 * 6 + 6) + 12 + (6 * 5 + 5))
        #expect(network.parameters.reduce(0) { $0 + $1.scalars.count } == network.parameterCount)
    }

    @Test("tensors and architecture round-trip through JSON to the same predictions")
    func roundTrip() throws {
        let (network, x) = try Self.trainedNetwork()
        let json = try JSONValue(encoding: network.architecture)
        let architecture: NetworkArchitecture = try json.decode()
        #expect(architecture == network.architecture)
        let restored = try Network(architecture: architecture, tensors: network.tensors())
        #expect(restored.predict(x) == network.predict(x))
        #expect(restored.tensors() == network.tensors())
    }

    @Test("a missing, misshapen or non-finite tensor is a ModelError")
    func badTensors() throws {
        let (network, _) = try Self.trainedNetwork()
        var tensors = network.tensors()
        tensors.removeFirst()
        #expect(throws: ModelError.self) { try Network(architecture: network.architecture, tensors: tensors) }
        tensors = network.tensors()
        tensors[0] = Tensor(name: "layers.0.weight", shape: [5, 6], floats: [Float](repeating: 0, count: 30))
        #expect(throws: ModelError.self) { try Network(architecture: network.architecture, tensors: tensors) }
        tensors[0] = Tensor(name: "layers.0.weight", shape: [6, 5], floats: [Float](repeating: .nan, count: 30))
        #expect(throws: ModelError.self) { try Network(architecture: network.architecture, tensors: tensors) }
    }

    @Test("inconsistent architectures are rejected")
    func architecture() {
        #expect(throws: ConfigurationError.self) {
            try NetworkArchitecture(inputWidth: 3, layers: [.dense(inputs: 4, outputs: 2, bias: true)])
        }
        #expect(throws: ConfigurationError.self) {
            try NetworkArchitecture(
                inputWidth: 3,
                layers: [
                    .dense(inputs: 3, outputs: 2, bias: true),
                    .batchNorm(features: 3, momentum: 0.1, epsilon: 1e-5),
                ])
        }
        #expect(throws: ConfigurationError.self) {
            try NetworkArchitecture.mlp(inputWidth: 3, hidden: [4], outputWidth: 1, dropout: 1)
        }
    }
}
