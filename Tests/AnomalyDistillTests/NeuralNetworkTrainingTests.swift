import Foundation
import Numerics
import Testing

@testable import AnomalyDistill

/// Seeded problems for the training tests.
enum TrainingProblems {
    /// `count` points in [−1, 1]² labelled 1 when x₁·x₂ > 0 (XOR-like).
    static func xor(count: Int, seed: UInt64) -> (x: Matrix, y: Matrix) {
        var random = RandomSource(seed: seed)
        var x = Matrix(rows: count, columns: 2), y = Matrix(rows: count, columns: 1)
        for r in 0..<count {
            x[r, 0] = 2 * random.uniformFloat() - 1
            x[r, 1] = 2 * random.uniformFloat() - 1
            y[r, 0] = x[r, 0] * x[r, 1] > 0 ? 1 : 0
        }
        return (x, y)
    }

    /// `count` rows of width `width` on a rank-`rank` subspace: Z · A with Gaussian Z and A.
    static func lowRank(count: Int, width: Int, rank: Int, seed: UInt64) -> Matrix {
        var random = RandomSource(seed: seed)
        var z = Matrix(rows: count, columns: rank), a = Matrix(rows: rank, columns: width)
        for i in z.scalars.indices { z.scalars[i] = Float(random.normal()) }
        for i in a.scalars.indices { a.scalars[i] = Float(random.normal()) / Float(rank).squareRoot() }
        return z.matmul(a)
    }
}

@Suite struct TrainingConvergenceTests {
    @Test("an MLP learns XOR-like labels with BCE", arguments: [Activation.tanh, .relu])
    func xor(activation: Activation) throws {
        let (x, y) = TrainingProblems.xor(count: 256, seed: 1)
        var random = RandomSource(seed: 2)
        var network = Network(
            architecture: try .mlp(inputWidth: 2, hidden: [16, 16], outputWidth: 1, activation: activation),
            random: &random)
        var adam = Adam(learningRate: 0.01)
        let loss = BinaryCrossEntropy()
        let before = loss.value(network.predict(x), y)
        let history = try Trainer(epochs: 150, batchSize: 32).fit(
            &network, inputs: x, targets: y, loss: loss,
            optimizer: &adam, using: &random)
        let after = loss.value(network.predict(x), y)
        #expect(before > 0.6)
        #expect(after < 0.2)
        #expect(history.trainingLosses.count == 150)
        let logits = network.predict(x)
        let correct = (0..<x.rows).filter { (logits[$0, 0] > 0) == (y[$0, 0] == 1) }.count
        #expect(correct >= 240)
    }

    @Test("a bottleneck autoencoder reduces reconstruction MSE by more than 5× on low-rank data")
    func autoencoder() throws {
        let x = TrainingProblems.lowRank(count: 512, width: 12, rank: 2, seed: 3)
        var random = RandomSource(seed: 4)
        var network = Network(
            architecture: try .mlp(
                inputWidth: 12, hidden: [16, 2, 16], outputWidth: 12, activation: .leakyReLU(slope: 0.01),
                batchNorm: true),
            random: &random)
        var adam = Adam(learningRate: 0.01)
        let before = MeanSquaredError().value(network.predict(x), x)
        try Trainer(epochs: 60, batchSize: 32).fit(
            &network, inputs: x, targets: x, loss: MeanSquaredError(),
            optimizer: &adam, using: &random)
        let after = MeanSquaredError().value(network.predict(x), x)
        #expect(after * 5 < before, "MSE \(before) → \(after)")
        #expect(network.isFinite)
    }

    @Test("SGD with momentum fits a linear regression")
    func linearRegression() throws {
        var random = RandomSource(seed: 8)
        var x = Matrix(rows: 200, columns: 3)
        for i in x.scalars.indices { x.scalars[i] = Float(random.normal()) }
        let w = Matrix(rows: 3, columns: 1, scalars: [1.5, -2, 0.5])
        var y = x.matmul(w)
        for i in y.scalars.indices { y.scalars[i] += 0.7 }
        var network = Network(architecture: try .mlp(inputWidth: 3, hidden: [], outputWidth: 1), random: &random)
        var sgd = SGD(learningRate: 0.05, momentum: 0.9)
        let history = try Trainer(epochs: 40, batchSize: 16).fit(
            &network, inputs: x, targets: y, loss: MeanSquaredError(),
            optimizer: &sgd, using: &random)
        #expect(history.trainingLosses.last! < 1e-4)
        let dense = network.layers[0] as! Dense
        for (found, expected) in zip(dense.weight.scalars, w.scalars) { #expect(abs(found - expected) < 1e-2) }
        #expect(abs(dense.bias!.scalars[0] - 0.7) < 1e-2)
    }
}

@Suite struct TrainerBehaviourTests {
    /// Noise targets that a wide network memorises: the validation loss rises after a while.
    static func overfitting(epochs: Int, patience: Int?) throws -> (Network, TrainingHistory) {
        var random = RandomSource(seed: 12)
        var x = Matrix(rows: 60, columns: 4), y = Matrix(rows: 60, columns: 1)
        for i in x.scalars.indices { x.scalars[i] = Float(random.normal()) }
        for r in 0..<60 { y[r, 0] = x[r, 0] + Float(random.normal()) }
        var network = Network(architecture: try .mlp(inputWidth: 4, hidden: [64, 64], outputWidth: 1), random: &random)
        var adam = Adam(learningRate: 0.01)
        let trainer = Trainer(epochs: epochs, batchSize: 8, validationFraction: 0.3, patience: patience)
        let history = try trainer.fit(
            &network, inputs: x, targets: y, loss: MeanSquaredError(), optimizer: &adam,
            using: &random)
        return (network, history)
    }

    @Test("early stopping stops and restores the weights of the best epoch")
    func earlyStopping() throws {
        let (stopped, history) = try Self.overfitting(epochs: 200, patience: 5)
        #expect(history.stoppedEarly)
        #expect(history.trainingLosses.count == history.bestEpoch + 5)
        #expect(history.validationLosses.count == history.trainingLosses.count)
        #expect(history.bestLoss == history.validationLosses.min())
        // The same seed trained for exactly the best number of epochs gives the restored weights.
        let (reference, _) = try Self.overfitting(epochs: history.bestEpoch, patience: nil)
        #expect(stopped.parameters == reference.parameters)
    }

    @Test("the per-epoch callback sees every epoch")
    func callback() throws {
        let (x, y) = TrainingProblems.xor(count: 50, seed: 9)
        var random = RandomSource(seed: 10)
        var network = Network(architecture: try .mlp(inputWidth: 2, hidden: [4], outputWidth: 1), random: &random)
        var adam = Adam()
        var reports: [EpochReport] = []
        try Trainer(epochs: 3, batchSize: 7, validationFraction: 0.2).fit(
            &network, inputs: x, targets: y, loss: BinaryCrossEntropy(), optimizer: &adam, using: &random
        ) { reports.append($0) }
        #expect(reports.map(\.epoch) == [1, 2, 3])
        #expect(
            reports.allSatisfy { $0.validationLoss != nil && $0.epochs == 3 && $0.learningRate == Double(Float(1e-3)) })
    }

    static func divergenceProblem() -> (Matrix, Matrix) {
        var random = RandomSource(seed: 13)
        var x = Matrix(rows: 64, columns: 3)
        for i in x.scalars.indices { x.scalars[i] = Float(random.normal()) * 10 }
        return (x, x.matmul(Matrix(rows: 3, columns: 1, scalars: [1, 2, 3])))
    }

    @Test("a learning rate of 1e6 is detected: an error, never NaN weights")
    func divergenceThrows() throws {
        let (x, y) = Self.divergenceProblem()
        var random = RandomSource(seed: 14)
        var network = Network(architecture: try .mlp(inputWidth: 3, hidden: [8], outputWidth: 1), random: &random)
        var sgd = SGD(learningRate: 1e6)
        #expect(throws: TrainingError.self) {
            try Trainer(epochs: 5, batchSize: 16, divergenceRetries: 3, name: "test").fit(
                &network, inputs: x, targets: y, loss: MeanSquaredError(), optimizer: &sgd, using: &random)
        }
        #expect(network.isFinite)
        do {
            var again = Network(architecture: try .mlp(inputWidth: 3, hidden: [8], outputWidth: 1), random: &random)
            var sgd = SGD(learningRate: 1e6)
            try Trainer(epochs: 5, batchSize: 16, divergenceRetries: 2, name: "test").fit(
                &again, inputs: x, targets: y, loss: MeanSquaredError(), optimizer: &sgd, using: &random)
            Issue.record("expected divergence")
        } catch let TrainingError.diverged(detector, epoch, learningRate) {
            #expect(detector == "test" && epoch == 1 && learningRate == 1e6 / 4)
        }
    }

    @Test("with enough retries, halving the learning rate recovers from divergence")
    func divergenceRecovers() throws {
        let (x, y) = Self.divergenceProblem()
        var random = RandomSource(seed: 15)
        var network = Network(architecture: try .mlp(inputWidth: 3, hidden: [8], outputWidth: 1), random: &random)
        var sgd = SGD(learningRate: 1e6)
        let history = try Trainer(epochs: 3, batchSize: 16, divergenceRetries: 40).fit(
            &network, inputs: x, targets: y, loss: MeanSquaredError(), optimizer: &sgd, using: &random)
        #expect(history.divergences > 0)
        #expect(history.finalLearningRate < 1e6)
        #expect(history.trainingLosses.allSatisfy(\.isFinite) && history.trainingLosses.count == 3)
        #expect(network.isFinite)
    }

    static func train(seed: UInt64) throws -> Network {
        let x = TrainingProblems.lowRank(count: 100, width: 6, rank: 2, seed: 16)
        var random = RandomSource(seed: seed)
        var network = Network(
            architecture: try .mlp(inputWidth: 6, hidden: [8, 3, 8], outputWidth: 6, dropout: 0.2, batchNorm: true),
            random: &random)
        var adam = Adam(learningRate: 0.01)
        try Trainer(epochs: 3, batchSize: 16, validationFraction: 0.1).fit(
            &network, inputs: x, targets: x, loss: MeanSquaredError(), optimizer: &adam, using: &random)
        return network
    }

    @Test("the same seed gives bitwise identical weights, another seed other weights")
    func determinism() throws {
        let a = try Self.train(seed: 17), b = try Self.train(seed: 17), c = try Self.train(seed: 18)
        #expect(a.tensors() == b.tensors())
        #expect(a.tensors() != c.tensors())
    }

    @Test(
        "bad settings and shapes are rejected",
        arguments: [
            Trainer(epochs: 0), Trainer(batchSize: 0), Trainer(validationFraction: 1), Trainer(patience: 0),
        ])
    func validation(trainer: Trainer) throws {
        #expect(throws: ConfigurationError.self) { try trainer.validate() }
    }

    @Test("no rows and wrong target widths are errors")
    func shapes() throws {
        var random = RandomSource(seed: 19)
        var network = Network(architecture: try .mlp(inputWidth: 2, hidden: [], outputWidth: 1), random: &random)
        var adam = Adam()
        #expect(throws: TrainingError.noTrainingRows) {
            try Trainer().fit(
                &network, inputs: Matrix(rows: 0, columns: 2), targets: Matrix(rows: 0, columns: 1),
                loss: MeanSquaredError(), optimizer: &adam, using: &random)
        }
        #expect(throws: DataError.self) {
            try Trainer().fit(
                &network, inputs: Matrix(rows: 3, columns: 2), targets: Matrix(rows: 3, columns: 1),
                loss: DistillationLoss(usesHardLabels: true), optimizer: &adam, using: &random)
        }
    }
}
