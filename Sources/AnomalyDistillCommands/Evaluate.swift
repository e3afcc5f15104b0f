import AnomalyDistill
import ArgumentParser
import Foundation

/// `anomaly-distill evaluate --scores FILE`: every metric of a scored, labelled file.
struct Evaluate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Judge anomaly scores, or a saved model on labelled data: ROC-AUC, average precision, precision/recall/F1 and more.",
        discussion: """
            The scores file is a CSV with a score column (higher = more anomalous) and a 0/1 label column \
            (1 = anomaly). Rows are flagged when score > threshold. Without a threshold option the \
            threshold is the (1 − anomaly ratio) quantile of the scores.
            """)

    @Option(help: "A CSV file with a score column and a label column.")
    var scores: String?

    @Option(help: "A saved model (.safetensors) to score --data with; the threshold defaults to the model's.")
    var model: String?

    @Option(help: "With --model: a labelled data file with the model's columns.")
    var data: String?

    @Option(name: .customLong("score-column"), help: "The score column.")
    var scoreColumn = "score"

    @Option(name: .customLong("label-column"), help: "The 0/1 label column.")
    var labelColumn = "label"

    @Option(help: "Flag rows with score > this value.")
    var threshold: Double?

    @Option(help: "Set the threshold at the (1 − contamination) quantile of the scores, in (0, 0.5].")
    var contamination: Double?

    @Flag(name: .customLong("best-f1"), help: "Set the threshold that maximises F1.")
    var bestF1 = false

    @Option(name: .customLong("fp-budget"), help: "The largest fraction of normal rows that may be flagged, in [0, 1].")
    var falsePositiveBudget: Double?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        switch (scores, model, data) {
        case (.some, nil, nil), (nil, .some, .some): break
        default: throw ValidationError("give either --scores FILE, or --model FILE and --data FILE")
        }
        let chosen = [threshold != nil, contamination != nil, bestF1, falsePositiveBudget != nil].filter { $0 }.count
        if chosen > 1 { throw ValidationError("choose at most one of --threshold, --contamination, --best-f1, --fp-budget") }
        if let contamination, !(contamination > 0 && contamination <= 0.5) {
            throw ValidationError("--contamination must be in (0, 0.5], found \(contamination)")
        }
        if let falsePositiveBudget, !(falsePositiveBudget >= 0 && falsePositiveBudget <= 1) {
            throw ValidationError("--fp-budget must be in [0, 1], found \(falsePositiveBudget)")
        }
        if let threshold, !threshold.isFinite { throw ValidationError("--threshold must be finite") }
    }

    var strategy: ThresholdStrategy? {
        if let threshold { return .fixed(threshold) }
        if let contamination { return .contamination(contamination) }
        if bestF1 { return .bestF1 }
        if let falsePositiveBudget { return .falsePositiveBudget(falsePositiveBudget) }
        return nil
    }

    func run() async throws {
        print(try render())
    }

    /// The command's output (tests call this in-process).
    func render() throws -> String {
        let values: [Double], labels: [Int], file: String
        var chosen = strategy
        if let model, let data {
            let scoring = try ScoringModel(contentsOf: URL(fileURLWithPath: model))
            let table = try scoring.readTable(data)
            values = try scoring.score(table).scores.map(Double.init)
            labels = try table.requireLabels()
            file = data
            if chosen == nil { chosen = .fixed(scoring.threshold) }
        } else {
            let path = scores ?? ""
            let table = try Table.read(path, options: ReadOptions(labelColumn: labelColumn))
            values = try table.numericColumn(scoreColumn)
            labels = try table.requireLabels()
            file = path
        }
        let evaluation = try ScoreEvaluation(scores: values, labels: labels, strategy: chosen,
                                             falsePositiveBudget: falsePositiveBudget ?? 0.01)
        return json ? try JSONOutput.string(evaluation) : EvaluateFormatter.text(evaluation, file: file)
    }
}

enum EvaluateFormatter {
    static func text(_ e: ScoreEvaluation, file: String) -> String {
        let r = e.report
        let m = r.confusionMatrix
        func f(_ x: Double) -> String { Format.fixed(x, 4) }
        var lines = [
            "Scores:    \(file): \(Format.integer(r.sampleCount)) rows, \(Format.integer(r.anomalyCount)) anomalies",
            "",
            "Ranking (threshold-free)",
        ]
        lines += Format.table(header: ["metric", "value"], rows: [
            ["ROC-AUC", f(r.rocAUC)],
            ["average precision", f(r.averagePrecision)],
            ["precision@n (n = \(r.anomalyCount))", f(r.precisionAtN)],
        ], rightAligned: [1])
        lines += ["", "At threshold \(Format.number(r.threshold)) (\(e.strategy)): \(Format.integer(r.flaggedCount)) rows flagged"]
        lines += Format.table(header: ["metric", "value"], rows: [
            ["precision", f(r.precision)], ["recall", f(r.recall)], ["F1", f(r.f1)], ["accuracy", f(r.accuracy)],
        ], rightAligned: [1])
        lines += ["", "Confusion matrix"]
        lines += Format.table(header: ["", "flagged", "not flagged"], rows: [
            ["anomaly", Format.integer(m.truePositives), Format.integer(m.falseNegatives)],
            ["normal", Format.integer(m.falsePositives), Format.integer(m.trueNegatives)],
        ], rightAligned: [1, 2])
        lines += ["", "Thresholds by strategy"]
        lines += Format.table(header: ["strategy", "threshold", "note"], rows: [
            ["contamination = anomaly ratio", Format.number(e.contaminationThreshold), ""],
            ["best F1", Format.number(e.bestF1.threshold), "F1 \(f(e.bestF1.f1)), precision \(f(e.bestF1.precision)), recall \(f(e.bestF1.recall))"],
            ["false-positive budget \(Format.number(e.falsePositiveBudget))", Format.number(e.falsePositiveBudgetThreshold), ""],
        ], rightAligned: [1])
        return lines.joined(separator: "\n")
    }
}
