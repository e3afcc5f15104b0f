import Numerics
import Testing

@testable import AnomalyDistill

/// One-step checks of the optimizers against hand computations.
@Suite struct OptimizerTests {
    /// A one-layer network with weight [[0.5, −1]] (1 → 2), bias [[0.25, 0]], and set gradients.
    static func network(weightGradient: [Float], biasGradient: [Float]) -> Network {
        var layer = Dense(
            weight: Matrix(rows: 1, columns: 2, scalars: [0.5, -1]),
            bias: Matrix(rows: 1, columns: 2, scalars: [0.25, 0]))
        layer.weightGradient = Matrix(rows: 1, columns: 2, scalars: weightGradient)
        layer.biasGradient = Matrix(rows: 1, columns: 2, scalars: biasGradient)
        let architecture = try! NetworkArchitecture(inputWidth: 1, layers: [.dense(inputs: 1, outputs: 2, bias: true)])
        return Network(architecture: architecture, layers: [layer])
    }

    static func setGradients(_ network: inout Network, _ weight: [Float], _ bias: [Float]) {
        var layer = network.layers[0] as! Dense
        layer.weightGradient = Matrix(rows: 1, columns: 2, scalars: weight)
        layer.biasGradient = Matrix(rows: 1, columns: 2, scalars: bias)
        network.layers[0] = layer
    }

    @Test("two Adam steps match the hand computation", arguments: [Float(0), 0.1])
    func adam(weightDecay: Float) {
        var network = Self.network(weightGradient: [0.2, -0.4], biasGradient: [1, 0])
        var adam = Adam(learningRate: 0.01, weightDecay: weightDecay)
        #expect(adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-8)
        adam.step(&network)
        Self.setGradients(&network, [0.1, 0.3], [-1, 0])
        adam.step(&network)

        // By hand in Double, for each scalar: (initial value, gradient at step 1, gradient at step 2).
        let cases: [(Double, Double, Double)] = [(0.5, 0.2, 0.1), (-1, -0.4, 0.3), (0.25, 1, -1), (0, 0, 0)]
        var expected: [Double] = []
        for (initial, g1, g2) in cases {
            var p = initial, m = 0.0, v = 0.0
            for (t, g) in [(1.0, g1), (2.0, g2)] {
                let grad = g + Double(weightDecay) * p
                m = 0.9 * m + 0.1 * grad
                v = 0.999 * v + 0.001 * grad * grad
                let mHat = m / (1 - Double.pow(0.9, t)), vHat = v / (1 - Double.pow(0.999, t))
                p -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
            expected.append(p)
        }
        let found = network.parameters.flatMap(\.scalars).map(Double.init)
        #expect(found.count == 4)
        for (value, target) in zip(found, expected) {
            #expect(value.isApproximatelyEqual(to: target, absoluteTolerance: 1e-6))
        }
        #expect(adam.stepCount == 2)
    }

    @Test("two SGD steps with momentum match the hand computation", arguments: [false, true])
    func sgd(nesterov: Bool) {
        var network = Self.network(weightGradient: [0.2, -0.4], biasGradient: [1, 0])
        var sgd = SGD(learningRate: 0.1, momentum: 0.9, nesterov: nesterov, weightDecay: 0.01)
        sgd.step(&network)
        Self.setGradients(&network, [0.1, 0.3], [-1, 0])
        sgd.step(&network)
        let cases: [(Double, Double, Double)] = [(0.5, 0.2, 0.1), (-1, -0.4, 0.3), (0.25, 1, -1), (0, 0, 0)]
        for (index, (initial, g1, g2)) in cases.enumerated() {
            var p = initial, buffer = 0.0
            for (step, g) in [g1, g2].enumerated() {
                let grad = g + 0.01 * p
                buffer = step == 0 ? grad : 0.9 * buffer + grad
                p -= 0.1 * (nesterov ? grad + 0.9 * buffer : buffer)
            }
            let value = Double(network.parameters.flatMap(\.scalars)[index])
            #expect(value.isApproximatelyEqual(to: p, absoluteTolerance: 1e-6))
        }
    }

    @Test("plain SGD is θ − lr · g")
    func plainSGD() {
        var network = Self.network(weightGradient: [0.2, -0.4], biasGradient: [1, 0])
        var sgd = SGD(learningRate: 0.5)
        sgd.step(&network)
        #expect(network.parameters.flatMap(\.scalars) == [0.4, -0.8, -0.25, 0])
    }
}
