/// Multiple-Objective Generative Adversarial Active Learning (Liu, Li, Zhou, Zhang, Li, He & Liu 2019,
/// "Generative Adversarial Active Learning for Unsupervised Outlier Detection", IEEE TKDE 32(8);
/// arXiv 1809.10816): the GAN-based detector (PyOD's `MO_GAAL`).
///
/// **Why MO-GAAL.** It was designed for tabular data, needs one discriminator and `k` tiny generators
/// instead of ALAD's five networks (Zenati et al. 2018) with a latent-space design, and scores with one
/// forward pass. ALAD as PyOD ships it trains 200 mini-batch steps on unscaled data and keeps dropout
/// on at scoring time, and the faithful ALAD (feature-matching score, EMA weights) is much more
/// sensitive to tuning; MO-GAAL's multiple generators avoid SO-GAAL's mode collapse (the paper, §4).
///
/// **The algorithm.** `k` sub-generators `G_i` (each `d → d → d`, ReLU, identity-initialised) map
/// uniform noise in `[0, 1]^d` to "potential outliers"; the discriminator `D` (`d → ⌈√n⌉` ReLU `→ 1`)
/// learns real rows (1) against generated ones (0). After each discriminator step, sub-generator `i`
/// is trained to make `D` output `T_i`, the `i/k` quantile of `D` over the real rows, so the generated
/// reference distribution covers every density level of the data. After ``stopEpochs`` epochs the
/// generators freeze and `D` keeps training, to `3 · stopEpochs` epochs in all (the paper's
/// Algorithm 2). The score is **`1 − D(x)`** (the paper's `OS(x)`): outliers look like generated
/// points. Higher = more anomalous.
///
/// **Differences from PyOD 3.6.7's `MO_GAAL`, on purpose:**
/// - PyOD scores with `D(x)`, the reverse of the paper (pyod issues #119, #237); this scores `1 − D(x)`,
///   computed as `σ(−logit)` so that confident inliers keep full float resolution.
/// - Inputs are min–max scaled to `[0, 1]` with the training rows' bounds (kept in the model), which
///   the uniform noise and the identity-initialised ReLU generators assume (the paper's data sets were
///   in `[0, 1]`; PyOD does not scale, so its generated points can lie nowhere near the data).
/// - Biases start at zero and `D`'s weights are LeCun-normal, as the authors' Keras code
///   (PyOD: PyTorch's default bias and Kaiming weights). Keras' tiny learning-rate decay (1e-6) is left out.
/// - Rows are shuffled every epoch (the original walks them in order); the last partial batch is
///   dropped, as in the original.
/// - **Bounded work**: the GAN trains on a seeded random subsample of at most ``maxSamples`` rows
///   (PyOD uses all rows), and the quantiles `T_i` are taken over at most ``quantileRows`` of them,
///   drawn once (the original recomputes `D` on every training row after every step, which is
///   quadratic in `n`). Training scores are then computed on every row.
/// - Divergence: a non-finite loss or weight restores the end of the last good epoch and halves both
///   learning rates, up to three times per epoch; then `TrainingError.diverged`. A NaN model is never returned.
///
/// All randomness (weights, the subsample, shuffles, noise) comes from the injected generator, on
/// one thread: the same seed gives bitwise the same model.
public struct MOGAAL: Detector {
    /// The number of sub-generators `k` (PyOD's `k`, default 10).
    public var subGenerators: Int
    /// Epochs during which the generators train; the discriminator trains `3 · stopEpochs` epochs in
    /// all (PyOD's `stop_epochs`, default 20).
    public var stopEpochs: Int
    /// Rows per mini-batch, capped at the number of training rows; each batch is paired with as many
    /// generated rows (PyOD: `min(500, n)`).
    public var batchSize: Int
    /// The discriminator's SGD learning rate (PyOD's `lr_d`, default 0.01).
    public var discriminatorLearningRate: Double
    /// The generators' SGD learning rate (PyOD's `lr_g`, default 1e-4).
    public var generatorLearningRate: Double
    /// SGD momentum for both (PyOD's `momentum`, default 0.9).
    public var momentum: Double
    /// The discriminator's hidden width; `nil` for the paper's `⌈√n⌉` over the rows trained on.
    public var hidden: Int?
    /// At most this many rows (a seeded random subsample) train the GAN.
    public var maxSamples: Int
    /// At most this many of the training rows set the generators' quantile targets.
    public var quantileRows: Int
    public var contamination: Double

    /// - Parameters:
    ///   - subGenerators: `k`, the number of sub-generators.
    ///   - stopEpochs: Epochs of generator training; the discriminator trains three times as many.
    ///   - batchSize: Rows per mini-batch.
    ///   - discriminatorLearningRate: SGD step of the discriminator.
    ///   - generatorLearningRate: SGD step of the generators.
    ///   - momentum: SGD momentum, in [0, 1).
    ///   - hidden: The discriminator's hidden width (`nil`: `⌈√n⌉`).
    ///   - maxSamples: Cap on the rows the GAN trains on.
    ///   - quantileRows: Cap on the rows the quantile targets are computed over.
    ///   - contamination: Expected fraction of anomalies, in (0, 0.5].
    public init(
        subGenerators: Int = 10, stopEpochs: Int = 20, batchSize: Int = 500,
        discriminatorLearningRate: Double = 0.01, generatorLearningRate: Double = 1e-4, momentum: Double = 0.9,
        hidden: Int? = nil, maxSamples: Int = 5000, quantileRows: Int = 4096,
        contamination: Double = Contamination.default
    ) {
        self.subGenerators = subGenerators
        self.stopEpochs = stopEpochs
        self.batchSize = batchSize
        self.discriminatorLearningRate = discriminatorLearningRate
        self.generatorLearningRate = generatorLearningRate
        self.momentum = momentum
        self.hidden = hidden
        self.maxSamples = maxSamples
        self.quantileRows = quantileRows
        self.contamination = contamination
    }

    public var description: String {
        "MOGAAL(subGenerators: \(subGenerators), stopEpochs: \(stopEpochs), batchSize: \(batchSize), "
            + "discriminatorLearningRate: \(discriminatorLearningRate), generatorLearningRate: \(generatorLearningRate), "
            + "momentum: \(momentum), hidden: \(hidden.map(String.init) ?? "√n"), maxSamples: \(maxSamples), "
            + "quantileRows: \(quantileRows), contamination: \(contamination))"
    }

    /// The total number of discriminator epochs, `3 · stopEpochs`.
    public var totalEpochs: Int { 3 * stopEpochs }

    public func validate() throws {
        try Contamination.validate(contamination)
        func atLeast(_ value: Int, _ minimum: Int, _ name: String) throws {
            guard value >= minimum else {
                throw ConfigurationError.invalidSetting(name: name, reason: "expected at least \(minimum), found \(value)")
            }
        }
        try atLeast(subGenerators, 1, "sub-generators")
        try atLeast(stopEpochs, 1, "epochs")
        try atLeast(batchSize, 1, "batch size")
        try atLeast(maxSamples, 2, "max samples")
        try atLeast(quantileRows, 2, "quantile rows")
        if let hidden { try atLeast(hidden, 1, "hidden") }
        for (name, rate) in [
            ("learning rate", discriminatorLearningRate),
            ("generator learning rate", generatorLearningRate),
        ] {
            guard rate.isFinite && rate > 0 && rate <= 10 else {
                throw ConfigurationError.invalidSetting(
                    name: name, reason: "expected a positive learning rate up to 10, found \(rate)")
            }
        }
        guard momentum >= 0 && momentum < 1 else {
            throw ConfigurationError.invalidSetting(name: "momentum", reason: "expected a value in [0, 1), found \(momentum)")
        }
    }

    /// Trains the GAN and keeps the discriminator.
    ///
    /// - Parameters:
    ///   - x: Preprocessed training rows, finite; labels are ignored (unsupervised).
    ///   - labels: Ignored.
    ///   - random: The seeded generator for the subsample, weights, shuffles and noise.
    /// - Returns: The fitted model: the input scaling and the discriminator.
    /// - Throws: `ConfigurationError.invalidSetting` for bad settings or non-finite input,
    ///   `TrainingError.noTrainingRows`, `TrainingError.diverged`.
    /// - Complexity: O(3 · stopEpochs · m/B · (B · k · d² + (k + 1) · B · d · h + Q · d · h)) for
    ///   m = min(n, maxSamples) rows, batch B, hidden width h and Q = min(m, quantileRows); plus
    ///   O(n · d · h) for the training scores.
    public func fit(_ x: Matrix, labels: [Int]?, using random: inout RandomSource) throws -> FittedMOGAAL {
        try validate()
        guard x.rows > 0 else { throw TrainingError.noTrainingRows }
        guard x.columns > 0 else {
            throw DataError.invalidInput(name: "features", reason: "expected at least one feature, found none")
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidInput(
                name: "x", reason: "expected finite values, found \(x.scalars[bad]) at row \(bad / x.columns + 1)")
        }
        let scaler = MinMaxScaler(fitting: x)
        let scaled = scaler.transform(x)
        let rows =
            scaled.rows > maxSamples
            ? scaled.rows(at: random.sample(maxSamples, from: scaled.rows).sorted()) : scaled
        var training = GAALTraining(configuration: self, rows: rows, random: &random)
        try training.run(random: &random)
        var fitted = FittedMOGAAL(
            discriminator: training.discriminator, scaler: scaler, subGenerators: subGenerators,
            state: try DetectorState(trainingScores: [0], contamination: contamination, featureCount: x.columns),
            trainingScores: [])
        let scores = fitted.scaledScores(scaled)
        fitted.trainingScores = scores
        fitted.state = try DetectorState(trainingScores: scores, contamination: contamination, featureCount: x.columns)
        return fitted
    }
}

/// Per-feature min–max scaling to `[0, 1]` with the training rows' bounds: `(x − min) · scale`, with
/// `scale = 1 / (max − min)`, or 1 for a constant feature.
public struct MinMaxScaler: Sendable, Equatable {
    /// The smallest training value of each feature.
    public var minimum: [Float]
    /// `1 / (max − min)` of each feature (1 for a constant feature).
    public var scale: [Float]

    /// The bounds of the rows of `x`.
    public init(fitting x: Matrix) {
        var low = [Float](repeating: .infinity, count: x.columns)
        var high = [Float](repeating: -.infinity, count: x.columns)
        let columns = x.columns
        x.scalars.withUnsafeBufferPointer { values in
            for r in 0..<x.rows {
                for c in 0..<columns {
                    let v = values[r * columns + c]
                    low[c] = min(low[c], v)
                    high[c] = max(high[c], v)
                }
            }
        }
        minimum = low
        scale = zip(low, high).map { low, high in
            let span = high - low
            return span > 0 && span.isFinite ? 1 / span : 1
        }
    }

    /// A scaler with given parameters.
    public init(minimum: [Float], scale: [Float]) {
        precondition(minimum.count == scale.count, "one scale per minimum")
        self.minimum = minimum
        self.scale = scale
    }

    /// The rows of `x`, scaled.
    public func transform(_ x: Matrix) -> Matrix {
        precondition(x.columns == minimum.count, "the scaler expects \(minimum.count) features")
        var result = x
        let columns = x.columns
        result.scalars.withUnsafeMutableBufferPointer { values in
            for r in 0..<x.rows {
                for c in 0..<columns {
                    values[r * columns + c] = (values[r * columns + c] - minimum[c]) * scale[c]
                }
            }
        }
        return result
    }
}

/// One run of MO-GAAL's adversarial training (the paper's Algorithm 2), on scaled rows.
struct GAALTraining {
    let configuration: MOGAAL
    let rows: Matrix
    /// Rows the quantile targets are computed over.
    let reference: Matrix
    var discriminator: Network
    var generators: [Network]
    var discriminatorOptimizer: SGD
    var generatorOptimizers: [SGD]
    /// Whether the generators are frozen (the paper's `stop`).
    var stopped = false

    init(configuration: MOGAAL, rows: Matrix, random: inout RandomSource) {
        self.configuration = configuration
        self.rows = rows
        let n = rows.rows, d = rows.columns
        reference =
            n > configuration.quantileRows
            ? rows.rows(at: random.sample(configuration.quantileRows, from: n).sorted()) : rows
        let hidden = configuration.hidden ?? Int(Double(n).squareRoot().rounded(.up))
        discriminator = Self.makeDiscriminator(inputs: d, hidden: max(1, hidden), random: &random)
        generators = (0..<configuration.subGenerators).map { _ in Self.makeGenerator(width: d) }
        discriminatorOptimizer = SGD(
            learningRate: Float(configuration.discriminatorLearningRate), momentum: Float(configuration.momentum))
        generatorOptimizers = Array(
            repeating: SGD(
                learningRate: Float(configuration.generatorLearningRate), momentum: Float(configuration.momentum)),
            count: configuration.subGenerators)
    }

    /// `d → hidden` ReLU `→ 1` logit; LeCun-normal weights (Keras' `VarianceScaling(1, fan_in, normal)`
    /// in the authors' code), zero biases.
    static func makeDiscriminator(inputs: Int, hidden: Int, random: inout RandomSource) -> Network {
        // The architecture is valid by construction (positive widths).
        let architecture = try! NetworkArchitecture.mlp(
            inputWidth: inputs, hidden: [hidden], outputWidth: 1, activation: .relu)
        func lecun(_ inputs: Int, _ outputs: Int) -> Dense {
            let deviation = (1 / Double(inputs)).squareRoot()
            let weight = Matrix(
                rows: inputs, columns: outputs,
                scalars: (0..<(inputs * outputs)).map { _ in Float(random.normal() * deviation) })
            return Dense(weight: weight, bias: Matrix(rows: 1, columns: outputs))
        }
        let first = lecun(inputs, hidden)
        let second = lecun(hidden, 1)
        return Network(architecture: architecture, layers: [first, ReLU(), second])
    }

    /// `d → d` ReLU `→ d` ReLU with identity weights and zero biases (the authors' Keras code), so an
    /// untrained generator maps the uniform noise to itself.
    static func makeGenerator(width: Int) -> Network {
        let architecture = try! NetworkArchitecture.mlp(
            inputWidth: width, hidden: [width], outputWidth: width, activation: .relu, outputActivation: .relu)
        var identity = Matrix(rows: width, columns: width)
        for i in 0..<width { identity.scalars[i * width + i] = 1 }
        let layer = Dense(weight: identity, bias: Matrix(rows: 1, columns: width))
        return Network(architecture: architecture, layers: [layer, ReLU(), layer, ReLU()])
    }

    /// How many of a batch's `batch` generated rows come from each sub-generator: `(k − i) · ⌊B / (k(k+1)/2)⌋`
    /// for the first `k − 1`, the rest from the last (the authors' split), at least one each.
    static func noiseCounts(batch: Int, generators k: Int) -> [Int] {
        let block = k * (k + 1) / 2
        let unit = max(1, batch / block)
        var counts = (0..<k).map { (k - $0) * unit }
        let leading = counts.dropLast().reduce(0, +)
        counts[k - 1] = max(unit, batch - leading)
        return counts
    }

    static func quantile(_ sorted: [Float], _ q: Double) -> Float {
        sorted.isEmpty ? 0 : Statistics.quantile(sorted: sorted, q)
    }

    /// Uniform noise in `[0, 1)`.
    static func noise(rows: Int, columns: Int, random: inout RandomSource) -> Matrix {
        Matrix(rows: rows, columns: columns, scalars: (0..<(rows * columns)).map { _ in random.uniformFloat() })
    }

    private struct Snapshot {
        var discriminator: Network
        var generators: [Network]
        var discriminatorOptimizer: SGD
        var generatorOptimizers: [SGD]
        var stopped: Bool
    }

    private var snapshot: Snapshot {
        Snapshot(
            discriminator: discriminator, generators: generators, discriminatorOptimizer: discriminatorOptimizer,
            generatorOptimizers: generatorOptimizers, stopped: stopped)
    }

    private mutating func restore(_ snapshot: Snapshot) {
        discriminator = snapshot.discriminator
        generators = snapshot.generators
        discriminatorOptimizer = snapshot.discriminatorOptimizer
        generatorOptimizers = snapshot.generatorOptimizers
        stopped = snapshot.stopped
    }

    /// Runs every epoch, recovering from divergence by halving the learning rates.
    mutating func run(random: inout RandomSource) throws {
        let retriesPerEpoch = 3
        var lastGood = snapshot
        var retries = 0
        var epoch = 0
        var order = Array(0..<rows.rows)
        while epoch < configuration.totalEpochs {
            let finite = runEpoch(order: &order, random: &random)
            if !finite || !discriminator.isFinite || !generators.allSatisfy(\.isFinite) {
                retries += 1
                let rate = discriminatorOptimizer.learningRate
                guard retries <= retriesPerEpoch else {
                    restore(lastGood)
                    throw TrainingError.diverged(
                        detector: FittedMOGAAL.kind, epoch: epoch + 1, learningRate: Double(rate))
                }
                let generatorRates = generatorOptimizers.map(\.learningRate)
                restore(lastGood)
                discriminatorOptimizer.learningRate = rate / 2
                for i in generatorOptimizers.indices { generatorOptimizers[i].learningRate = generatorRates[i] / 2 }
                continue
            }
            retries = 0
            epoch += 1
            TrainingProgress.report(FittedMOGAAL.kind, fraction: Double(epoch) / Double(configuration.totalEpochs))
            // The authors' check after each epoch: `if epoch + 1 > stop_epochs: stop = 1`.
            if epoch >= configuration.stopEpochs { stopped = true }
            lastGood = snapshot
        }
    }

    /// One epoch over shuffled mini-batches; `false` when a loss was not finite.
    mutating func runEpoch(order: inout [Int], random: inout RandomSource) -> Bool {
        let n = rows.rows, d = rows.columns, k = generators.count
        let batch = min(configuration.batchSize, n)
        let batches = max(1, n / batch)
        let counts = Self.noiseCounts(batch: batch, generators: k)
        let fakeCount = counts.reduce(0, +)
        let loss = BinaryCrossEntropy()
        random.shuffle(&order)

        // Discriminator targets: 1 for the real rows, 0 for the generated ones.
        var labels = Matrix(rows: batch + fakeCount, columns: 1)
        for i in 0..<batch { labels.scalars[i] = 1 }
        var combined = Matrix(rows: batch + fakeCount, columns: d)
        var gradient = Matrix(rows: 0, columns: 1)
        var targets = Matrix(rows: batch, columns: 1)

        for b in 0..<batches {
            // 1. Generated rows from every sub-generator, after the real batch.
            let realIndices = order[(b * batch)..<((b + 1) * batch)]
            combined.scalars.withUnsafeMutableBufferPointer { to in
                rows.scalars.withUnsafeBufferPointer { from in
                    for (position, index) in realIndices.enumerated() {
                        (to.baseAddress! + position * d).update(from: from.baseAddress! + index * d, count: d)
                    }
                }
            }
            var offset = batch * d
            for i in 0..<k {
                let generated = generators[i].predict(Self.noise(rows: counts[i], columns: d, random: &random))
                combined.scalars.replaceSubrange(offset..<(offset + generated.scalars.count), with: generated.scalars)
                offset += generated.scalars.count
            }

            // 2. One discriminator step on real (1) against generated (0).
            discriminator.forward(combined, training: true)
            let discriminatorLoss = loss.evaluate(discriminator.output, labels, gradient: &gradient)
            guard discriminatorLoss.isFinite else { return false }
            discriminator.backward(gradient)
            discriminatorOptimizer.step(&discriminator)

            guard !stopped else { continue }

            // 3. Targets T_i: the i/k quantiles of D over the real rows.
            let logits = discriminator.predict(reference).scalars
            let probabilities = logits.map { Sigmoid.sigmoid($0) }.sorted()
            guard probabilities.allSatisfy(\.isFinite) else { return false }

            // 4. Each sub-generator steps towards D(G_i(z)) = T_i on one shared noise batch.
            let noise = Self.noise(rows: batch, columns: d, random: &random)
            for i in 0..<k {
                let target = Self.quantile(probabilities, Double(i) / Double(k))
                for r in 0..<batch { targets.scalars[r] = target }
                generators[i].forward(noise, training: true)
                discriminator.forward(generators[i].output, training: true)
                let generatorLoss = loss.evaluate(discriminator.output, targets, gradient: &gradient)
                guard generatorLoss.isFinite else { return false }
                discriminator.backward(gradient, computeInputGradient: true)
                guard let inputGradient = discriminator.inputGradient else { return false }
                generators[i].backward(inputGradient)
                generatorOptimizers[i].step(&generators[i])
            }
        }
        return true
    }
}
