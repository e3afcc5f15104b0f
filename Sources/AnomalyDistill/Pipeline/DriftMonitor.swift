import Foundation

/// Watches scored rows for drift against the training data: every ``every`` rows, the population stability index
/// (``BinnedDistribution``) of the scores against the model's training scores, and of each numeric feature against
/// its training deciles (kept in the model file's preprocessing).
///
/// Feed it batches in stream order with ``add(_:scores:)``; it returns a ``Report`` for each block of ``every`` rows
/// completed, and ``finish()`` returns the last, shorter block. A model file written before the training deciles
/// were kept is monitored on its scores alone (``Report/features`` is empty).
public struct DriftMonitor: Sendable {
    /// One feature's drift in a block.
    public struct FeatureDrift: Sendable, Equatable {
        public var name: String
        public var psi: Double
    }

    /// The drift of one block of rows.
    public struct Report: Sendable, Equatable {
        /// The block's first row (0-based, in stream order) and its number of rows.
        public var firstRow: Int
        public var rows: Int
        /// The scores' PSI against the training scores; `nil` for a model whose file holds no training score (a
        /// student of synthetic rows).
        public var scorePSI: Double?
        /// Every monitored feature's PSI, largest first.
        public var features: [FeatureDrift]

        /// Whether the scores or a feature drifted past ``BinnedDistribution/alarmLevel``.
        public var alarm: Bool {
            (scorePSI ?? 0) > BinnedDistribution.alarmLevel || (features.first?.psi ?? 0) > BinnedDistribution.alarmLevel
        }

        /// `"drift rows 1–10,000: score PSI 0.031 (stable); features: Current 0.412 (alarm), …"`: the three
        /// features that moved most.
        public var line: String {
            func level(_ psi: Double) -> String {
                psi > BinnedDistribution.alarmLevel ? "alarm" : psi > BinnedDistribution.warningLevel ? "moved" : "stable"
            }
            func number(_ psi: Double) -> String { String(format: "%.3f", psi) }
            var text = "drift rows \(firstRow + 1)–\(firstRow + rows): score PSI "
                + (scorePSI.map { "\(number($0)) (\(level($0)))" } ?? "none (the model holds no training scores)")
            if !features.isEmpty {
                text += "; features: " + features.prefix(3).map { "\($0.name) \(number($0.psi)) (\(level($0.psi)))" }
                    .joined(separator: ", ")
            }
            return text + (alarm ? " — ALARM" : "")
        }
    }

    /// Rows per report.
    public let every: Int
    private let score: BinnedDistribution?
    /// Monitored features: index in ``RawRows/numeric`` rows, name, training bins.
    private let monitored: [(index: Int, name: String, reference: BinnedDistribution)]
    private var scoreCounts: [Int]
    private var featureCounts: [[Int]]
    private var pending = 0
    private var seen = 0

    /// A monitor of `model`'s scores and numeric features, reporting every `every` rows (at least 1).
    public init(model: ScoringModel, every: Int) {
        self.every = max(1, every)
        score = BinnedDistribution(sorted: model.detector.trainingScores.filter(\.isFinite).map(Double.init).sorted())
        let reference = model.preprocessor.reference ?? [:]
        monitored = model.numericFeatures.enumerated().compactMap { k, feature in
            reference[feature.name].map { (k, feature.name, $0) }
        }
        scoreCounts = [Int](repeating: 0, count: 10)
        featureCounts = [[Int]](repeating: [Int](repeating: 0, count: 10), count: monitored.count)
    }

    /// Counts a batch (rows in stream order with their scores) and returns the reports of the blocks it completes.
    public mutating func add(_ rows: RawRows, scores: [Float]) -> [Report] {
        var reports: [Report] = []
        let width = rows.numericWidth
        for r in 0..<min(rows.count, scores.count) {
            if let score { scoreCounts[score.bin(scores[r])] += 1 }
            for (m, item) in monitored.enumerated() {
                let value = rows.numeric[r * width + item.index]
                if !value.isNaN { featureCounts[m][item.reference.bin(value)] += 1 }
            }
            pending += 1
            if pending == every { reports.append(report()) }
        }
        return reports
    }

    /// The report of the rows since the last one, if there are any.
    public mutating func finish() -> Report? {
        pending > 0 ? report() : nil
    }

    private mutating func report() -> Report {
        let features = monitored.enumerated().map { m, item in
            FeatureDrift(name: item.name, psi: item.reference.psi(featureCounts[m]))
        }.sorted { $0.psi != $1.psi ? $0.psi > $1.psi : $0.name < $1.name }
        let result = Report(firstRow: seen, rows: pending, scorePSI: score?.psi(scoreCounts), features: features)
        seen += pending
        pending = 0
        scoreCounts = [Int](repeating: 0, count: 10)
        featureCounts = [[Int]](repeating: [Int](repeating: 0, count: 10), count: monitored.count)
        return result
    }
}
