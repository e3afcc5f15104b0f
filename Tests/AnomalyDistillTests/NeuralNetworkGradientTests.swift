import Numerics
import Testing

@testable import AnomalyDistill

// MARK: - Finite differences

/// Central finite differences in `Float`, compared with a relative tolerance on the whole gradient.
enum GradientCheck {
    /// Step of the central differences.
    static let step: Float = 3e-3
    /// Largest accepted `‖analytic − numeric‖ / max(‖analytic‖, ‖numeric‖)`.
    static let tolerance: Float = 1e-2

    /// A matrix of uniform values in (−1, 1), kept at least `margin` away from 0 (for kinks).
    static func random(_ rows: Int, _ columns: Int, margin: Float = 0, _ random: inout RandomSource) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for i in m.scalars.indices {
            let u = 2 * random.uniformFloat() - 1
            m.scalars[i] = u < 0 ? u - margin : u + margin
        }
        return m
    }

    /// ∂f/∂x by central differences.
    static func numeric(at x: Matrix, _ f: (Matrix) -> Double) -> Matrix {
        var gradient = Matrix(rows: x.rows, columns: x.columns)
        var probe = x
        for i in x.scalars.indices {
            probe.scalars[i] = x.scalars[i] + step
            let plus = f(probe)
            probe.scalars[i] = x.scalars[i] - step
            let minus = f(probe)
            probe.scalars[i] = x.scalars[i]
            gradient.scalars[i] = Float((plus - minus) / Double(2 * step))
        }
        return gradient
    }

    /// The relative error between two gradients: `‖a − n‖ / max(‖a‖, ‖n‖, 0.1)`; the floor keeps
    /// gradients that are zero (a bias before batch norm) from comparing Float noise with noise.
    static func relativeError(_ analytic: Matrix, _ numeric: Matrix) -> Float {
        precondition(analytic.scalars.count == numeric.scalars.count)
        var difference: Double = 0, a: Double = 0, b: Double = 0
        for (x, y) in zip(analytic.scalars, numeric.scalars) {
            difference += Double((x - y) * (x - y))
            a += Double(x * x)
            b += Double(y * y)
        }
        let scale = max(a.squareRoot(), b.squareRoot())
        return Float(difference.squareRoot() / max(scale, 0.1))
    }

    /// Σ r ⊙ m in Double: a scalar function of a layer output whose gradient is `r`.
    static func dot(_ m: Matrix, _ r: Matrix) -> Double {
        zip(m.scalars, r.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// The relative errors of a layer's input gradient and each parameter gradient, against finite
    /// differences of `f(x) = Σ r ⊙ layer(x)` in training mode.
    static func layerErrors(
        _ layer: some Layer, rows: Int, inputWidth: Int, margin: Float = 0,
        seed: UInt64 = 1
    ) -> (input: Float, parameters: [Float]) {
        var random = RandomSource(seed: seed)
        let x = GradientCheck.random(rows, inputWidth, margin: margin, &random)
        let r = GradientCheck.random(rows, layer.outputWidth(forInputWidth: inputWidth), &random)
        func f(_ candidate: some Layer, _ input: Matrix) -> Double {
            var copy = candidate
            var output = Matrix(rows: 0, columns: 0)
            copy.forward(input, into: &output, training: true)
            return dot(output, r)
        }
        var analytic = layer
        var output = Matrix(rows: 0, columns: 0)
        analytic.forward(x, into: &output, training: true)
        var inputGradient: Matrix? = Matrix(rows: 0, columns: 0)
        analytic.backward(input: x, output: output, outputGradient: r, inputGradient: &inputGradient)
        let inputError = relativeError(inputGradient!, numeric(at: x) { f(layer, $0) })

        var parameterErrors: [Float] = []
        var gradients: [(Matrix, Matrix)] = []
        analytic.updateParameters { parameter, gradient in gradients.append((parameter, gradient)) }
        for (index, (value, gradient)) in gradients.enumerated() {
            let numericGradient = numeric(at: value) { candidate in
                var perturbed = layer
                var position = 0
                perturbed.updateParameters { parameter, _ in
                    if position == index { parameter = candidate }
                    position += 1
                }
                return f(perturbed, x)
            }
            parameterErrors.append(relativeError(gradient, numericGradient))
        }
        return (inputError, parameterErrors)
    }
}

/// Tanh with a deliberately wrong derivative (1 − y instead of 1 − y²), to show the checker fails.
struct WrongTanh: Layer {
    var specification: LayerSpecification { .activation(.tanh) }
    mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        Elementwise.map(input, into: &output) { Float.tanh($0) }
    }
    mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        Elementwise.backward(
            input: input, output: output, outputGradient: outputGradient,
            inputGradient: &inputGradient
        ) { _, y in 1 - y }
    }
}

// MARK: - Layers

@Suite struct LayerGradientTests {
    @Test("dense layer gradients match finite differences", arguments: [true, false])
    func dense(bias: Bool) {
        var random = RandomSource(seed: 7)
        let layer = Dense(inputs: 4, outputs: 3, bias: bias, random: &random)
        let errors = GradientCheck.layerErrors(layer, rows: 5, inputWidth: 4)
        #expect(errors.input < GradientCheck.tolerance)
        #expect(errors.parameters.count == (bias ? 2 : 1))
        for error in errors.parameters { #expect(error < GradientCheck.tolerance) }
    }

    static let activations: [Activation] = [.relu, .leakyReLU(slope: 0.1), .tanh, .sigmoid, .identity]

    @Test("activation gradients match finite differences", arguments: activations)
    func activation(_ activation: Activation) {
        // Inputs kept 0.05 away from the kinks of ReLU and leaky ReLU.
        let errors = GradientCheck.layerErrors(activation.makeLayer(), rows: 4, inputWidth: 5, margin: 0.05)
        #expect(errors.input < GradientCheck.tolerance)
        #expect(errors.parameters.isEmpty)
    }

    @Test("the checker rejects a wrong derivative")
    func checkerFails() {
        let errors = GradientCheck.layerErrors(WrongTanh(), rows: 4, inputWidth: 5)
        #expect(errors.input > 10 * GradientCheck.tolerance)
    }

    @Test("the checker rejects a dense gradient off by 10%")
    func checkerFailsOnScaledGradient() {
        var random = RandomSource(seed: 3)
        let x = GradientCheck.random(3, 2, &random)
        var layer = Dense(inputs: 2, outputs: 2, random: &random)
        var output = Matrix(rows: 0, columns: 0)
        layer.forward(x, into: &output, training: true)
        let r = GradientCheck.random(3, 2, &random)
        var none: Matrix?
        layer.backward(input: x, output: output, outputGradient: r, inputGradient: &none)
        var wrong = layer.weightGradient
        for i in wrong.scalars.indices { wrong.scalars[i] *= 1.1 }
        let numeric = GradientCheck.numeric(at: layer.weight) { w in
            var copy = Dense(weight: w, bias: layer.bias)
            var y = Matrix(rows: 0, columns: 0)
            copy.forward(x, into: &y, training: true)
            return GradientCheck.dot(y, r)
        }
        #expect(GradientCheck.relativeError(layer.weightGradient, numeric) < GradientCheck.tolerance)
        #expect(GradientCheck.relativeError(wrong, numeric) > GradientCheck.tolerance)
    }

    @Test("dropout with a fixed mask: gradient matches, mask is inverted dropout", arguments: [0.2, 0.5])
    func dropout(rate: Float) {
        var random = RandomSource(seed: 11)
        var layer = Dropout(rate: rate, random: &random)
        let x = GradientCheck.random(6, 5, &random)
        var output = Matrix(rows: 0, columns: 0)
        layer.forward(x, into: &output, training: true)
        layer.freezesMask = true
        let keep = 1 / (1 - rate)
        #expect(layer.mask.scalars.allSatisfy { $0 == 0 || $0 == keep })
        #expect(layer.mask.scalars.contains(0))
        let errors = GradientCheck.layerErrors(layer, rows: 6, inputWidth: 5, seed: 11_000)
        #expect(errors.input < GradientCheck.tolerance)
        // Inference is the identity.
        layer.forward(x, into: &output, training: false)
        #expect(output == x)
    }

    @Test("batch norm gradients in training mode match finite differences", arguments: [3, 8])
    func batchNorm(rows: Int) {
        var layer = BatchNorm(features: 4)
        // Non-trivial scale and shift.
        layer.scale = Matrix(rows: 1, columns: 4, scalars: [1.5, -0.5, 0.8, 2])
        layer.shift = Matrix(rows: 1, columns: 4, scalars: [0.1, -0.2, 0.3, 0])
        let errors = GradientCheck.layerErrors(layer, rows: rows, inputWidth: 4)
        #expect(errors.input < GradientCheck.tolerance)
        #expect(errors.parameters.count == 2)
        for error in errors.parameters { #expect(error < GradientCheck.tolerance) }
    }

    @Test("batch norm statistics follow torch.nn.BatchNorm1d")
    func batchNormStatistics() {
        var layer = BatchNorm(features: 1)
        let x = Matrix(rows: 4, columns: 1, scalars: [1, 2, 3, 6])
        var output = Matrix(rows: 0, columns: 0)
        layer.forward(x, into: &output, training: true)
        // Mean 3, biased variance 3.5, unbiased 14/3.
        let inv = 1 / (3.5 + 1e-5).squareRoot()
        for (value, expected) in zip(output.scalars, [-2.0, -1, 0, 3].map { $0 * inv }) {
            #expect(Double(value).isApproximatelyEqual(to: expected, relativeTolerance: 1e-5))
        }
        #expect(Double(layer.runningMean[0]).isApproximatelyEqual(to: 0.3, relativeTolerance: 1e-6))
        #expect(Double(layer.runningVariance[0]).isApproximatelyEqual(to: 0.9 + 0.1 * 14 / 3, relativeTolerance: 1e-6))
        layer.forward(x, into: &output, training: false)
        let expected = (1 - 0.3) / (0.9 + 0.1 * 14 / 3 + 1e-5).squareRoot()
        #expect(Double(output[0, 0]).isApproximatelyEqual(to: expected, relativeTolerance: 1e-5))
    }

    @Test("dense initialisation follows PyTorch's default bound 1/√in")
    func initialisation() {
        var random = RandomSource(seed: 5)
        let layer = Dense(inputs: 25, outputs: 40, random: &random)
        let bound: Float = 1 / 5
        #expect(layer.weight.scalars.allSatisfy { abs($0) <= bound })
        #expect(layer.weight.scalars.max()! > 0.9 * bound && layer.weight.scalars.min()! < -0.9 * bound)
        #expect(layer.bias!.scalars.allSatisfy { abs($0) <= bound })
        let he = Dense(inputs: 25, outputs: 40, initialization: .heUniform, random: &random)
        #expect(he.weight.scalars.max()! > 0.4 && he.bias!.scalars.allSatisfy { $0 == 0 })
    }
}

// MARK: - Networks and losses

@Suite struct NetworkGradientTests {
    static let architectures: [NetworkArchitecture] = [
        try! .mlp(inputWidth: 4, hidden: [6, 5], outputWidth: 3, activation: .tanh),
        try! .mlp(inputWidth: 4, hidden: [6, 5], outputWidth: 2, activation: .sigmoid, batchNorm: true),
        try! .mlp(
            inputWidth: 3, hidden: [5, 4], outputWidth: 1, activation: .tanh, outputActivation: .sigmoid,
            batchNorm: true, bias: false),
    ]

    @Test("a 3-layer network's parameter and input gradients match finite differences", arguments: architectures)
    func network(_ architecture: NetworkArchitecture) {
        var random = RandomSource(seed: 21)
        let network = Network(architecture: architecture, random: &random)
        let x = GradientCheck.random(6, architecture.inputWidth, &random)
        let t = GradientCheck.random(6, architecture.outputWidth, &random)
        let loss = MeanSquaredError()
        var trained = network
        trained.forward(x, training: true)
        var gradient = Matrix(rows: 0, columns: 0)
        _ = loss.evaluate(trained.output, t, gradient: &gradient)
        trained.backward(gradient, computeInputGradient: true)
        let gradients = trained.gradients
        let parameters = network.parameters
        #expect(gradients.count == parameters.count)
        for (index, value) in parameters.enumerated() {
            let numeric = GradientCheck.numeric(at: value) { candidate in
                var perturbed = network
                perturbed.updateParameters { i, parameter, _ in if i == index { parameter = candidate } }
                return Double(loss.value(perturbed.forward(x, training: true), t))
            }
            #expect(
                GradientCheck.relativeError(gradients[index], numeric) < GradientCheck.tolerance, "parameter \(index)")
        }
        let numericInput = GradientCheck.numeric(at: x) { candidate in
            var copy = network
            return Double(loss.value(copy.forward(candidate, training: true), t))
        }
        #expect(GradientCheck.relativeError(trained.inputGradient!, numericInput) < GradientCheck.tolerance)
    }
}

@Suite struct LossGradientTests {
    static func check(_ loss: some Loss, output: Matrix, target: Matrix) -> Float {
        var gradient = Matrix(rows: 0, columns: 0)
        _ = loss.evaluate(output, target, gradient: &gradient)
        let numeric = GradientCheck.numeric(at: output) { Double(loss.value($0, target)) }
        return GradientCheck.relativeError(gradient, numeric)
    }

    @Test("MSE gradient and value (per-element mean, as torch's MSELoss)")
    func mse() {
        var random = RandomSource(seed: 31)
        let o = GradientCheck.random(5, 3, &random), t = GradientCheck.random(5, 3, &random)
        #expect(Self.check(MeanSquaredError(), output: o, target: t) < GradientCheck.tolerance)
        let expected = zip(o.scalars, t.scalars).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / 15
        #expect(Double(MeanSquaredError().value(o, t)).isApproximatelyEqual(to: expected, relativeTolerance: 1e-5))
        let rows = MeanSquaredError.rowErrors(o, t)
        #expect(rows.count == 5)
        #expect(Double(rows.reduce(0, +) / 5).isApproximatelyEqual(to: expected, relativeTolerance: 1e-5))
    }

    @Test(
        "BCE with logits: gradient, stable value, class weights",
        arguments: [(Float(1), Float(1)), (5, 1), (2, 0.5)])
    func bce(positive: Float, negative: Float) {
        var random = RandomSource(seed: 41)
        var o = GradientCheck.random(6, 2, &random)
        for i in o.scalars.indices { o.scalars[i] *= 4 }
        var hard = Matrix(rows: 6, columns: 2)
        for i in hard.scalars.indices { hard.scalars[i] = random.uniformFloat() < 0.5 ? 0 : 1 }
        var soft = Matrix(rows: 6, columns: 2)
        for i in soft.scalars.indices { soft.scalars[i] = random.uniformFloat() }
        let loss = BinaryCrossEntropy(positiveWeight: positive, negativeWeight: negative)
        #expect(Self.check(loss, output: o, target: hard) < GradientCheck.tolerance)
        #expect(Self.check(loss, output: o, target: soft) < GradientCheck.tolerance)
        // Against −[w₁ y log σ(z) + w₀ (1 − y) log(1 − σ(z))] in Double.
        var expected: Double = 0
        for (z, y) in zip(o.scalars.map(Double.init), soft.scalars.map(Double.init)) {
            let p = 1 / (1 + Double.exp(-z))
            expected -= Double(positive) * y * Double.log(p) + Double(negative) * (1 - y) * Double.log(1 - p)
        }
        expected /= 12
        #expect(Double(loss.value(o, soft)).isApproximatelyEqual(to: expected, relativeTolerance: 1e-4))
        // Large logits stay finite.
        let extreme = Matrix(rows: 1, columns: 2, scalars: [200, -200])
        let value = BinaryCrossEntropy().value(extreme, Matrix(rows: 1, columns: 2, scalars: [0, 1]))
        #expect(value.isFinite && abs(value - 200) < 1e-3)
    }

    @Test("soft-target cross-entropy with temperature", arguments: [Float(1), 2, 4])
    func distillation(temperature: Float) {
        var random = RandomSource(seed: 51)
        var u = GradientCheck.random(8, 1, &random)
        for i in u.scalars.indices { u.scalars[i] *= 5 }
        var targets = Matrix(rows: 8, columns: 2)
        for r in 0..<8 {
            targets[r, 0] = random.uniformFloat()
            targets[r, 1] = random.uniformFloat() < 0.3 ? 1 : 0
        }
        let soft = targets.rows(at: 0..<8).columnSlice(0)
        let softOnly = DistillationLoss(temperature: temperature)
        #expect(Self.check(softOnly, output: u, target: soft) < GradientCheck.tolerance)
        let mixed = DistillationLoss(temperature: temperature, softWeight: 0.7, usesHardLabels: true)
        #expect(Self.check(mixed, output: u, target: targets) < GradientCheck.tolerance)

        // Value: T² · BCE(p_T, σ(u/T)); gradient T · (σ(u/T) − p_T) / batch.
        let t = Double(temperature)
        var expected: Double = 0
        var gradient = Matrix(rows: 0, columns: 0)
        _ = softOnly.evaluate(u, soft, gradient: &gradient)
        for r in 0..<8 {
            let p = Double(soft[r, 0]), q = 1 / (1 + Double.exp(-Double(u[r, 0]) / t))
            expected += -t * t * (p * Double.log(q) + (1 - p) * Double.log(1 - q))
            #expect(Double(gradient[r, 0]).isApproximatelyEqual(to: t * (q - p) / 8, absoluteTolerance: 1e-6))
        }
        #expect(Double(softOnly.value(u, soft)).isApproximatelyEqual(to: expected / 8, relativeTolerance: 1e-4))
        // The mixed loss is α · soft + (1 − α) · hard BCE.
        let hard = targets.rows(at: 0..<8).columnSlice(1)
        let mixedExpected = 0.7 * Double(softOnly.value(u, soft)) + 0.3 * Double(BinaryCrossEntropy().value(u, hard))
        #expect(Double(mixed.value(u, targets)).isApproximatelyEqual(to: mixedExpected, relativeTolerance: 1e-4))
    }
}

extension Matrix {
    /// One column as an n × 1 matrix (tests only).
    func columnSlice(_ column: Int) -> Matrix {
        Matrix(rows: rows, columns: 1, scalars: (0..<rows).map { self[$0, column] })
    }
}
