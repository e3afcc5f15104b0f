import AnomalyDistill
import Foundation

/// `ad-bench detectors --splits DIR --detector NAME [--members a,b] [--trees N] [--json] [--seed N] [--only a,b]
/// [--knn-cap ROWS] [--repeats N]`
///
/// For each data set folder under DIR (`train.csv`, `test.csv`, as `Scripts/../peers/make_splits.py`
/// writes them): reads both, fits the preprocessor (one-hot, median imputation, standardisation)
/// and the detector on the training rows without labels (contamination = the training anomaly
/// ratio), scores the test rows and prints the test ROC-AUC with fit and score seconds (best of
/// `--repeats`). kNN fits on a seeded random subsample of `--knn-cap` rows (50 000) when the
/// training split is larger, as the PyOD peers did. For ECOD it also prints the ROC-AUC of PyOD's
/// rule for new rows (ECDFs refitted on training + test rows), `roc_auc_transductive`.
/// With `--score-train`, also times scoring the training rows (`score_train_s`). With
/// `--synthetic ROWS,FEATURES` (no `--splits`), fits on ROWS Gaussian rows and scores ROWS others:
/// run it under `/usr/bin/time -v` for the peak memory of scoring ROWS × ROWS. With `--dump DIR`, also writes each
/// set's training and test scores as little-endian float32 (`DIR/SET.DETECTOR.sSEED.train.f32`, `.test.f32`) and its
/// test labels as bytes (`DIR/SET.labels.u8`), so that `Scripts/select-defaults.py` can combine members itself.
enum DetectorBench {
    struct Options {
        var splits = ""
        var detector = "iforest"
        var json = false
        var seed: UInt64 = 0
        var only: Set<String>? = nil
        var knnCap = 50_000
        var repeats = 1
        var scoreTrain = false
        var synthetic: (rows: Int, features: Int)? = nil
        var members: [String]? = nil
        var normalization: String? = nil
        var hidden: [Int]? = nil
        var epochs: Int? = nil
        var trees: Int? = nil
        var combination: String? = nil
        var dump: String? = nil
    }


    static func usage() -> Never {
        FileHandle.standardError.write(Data(
            "usage: ad-bench detectors --splits DIR --detector NAME [--members a,b] [--trees N] [--json] [--seed N] [--only a,b] [--knn-cap ROWS] [--repeats N] [--score-train] [--dump DIR]\n".utf8))
        exit(2)
    }

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            func value() -> String {
                guard let next = iterator.next() else { usage() }
                return next
            }
            func number<T: LosslessStringConvertible>() -> T {
                guard let parsed = T(value()) else { usage() }
                return parsed
            }
            switch argument {
            case "--splits": options.splits = value()
            case "--detector": options.detector = value()
            case "--json": options.json = true
            case "--seed": options.seed = number()
            case "--only": options.only = Set(value().split(separator: ",").map(String.init))
            case "--knn-cap": options.knnCap = number()
            case "--members": options.members = value().split(separator: ",").map(String.init)
            case "--normalization": options.normalization = value()
            case "--hidden": options.hidden = value().split(separator: ",").compactMap { Int($0) }
            case "--epochs": options.epochs = number()
            case "--trees": options.trees = number()
            case "--combination": options.combination = value()
            case "--repeats": options.repeats = max(1, number())
            case "--score-train": options.scoreTrain = true
            case "--dump": options.dump = value()
            case "--synthetic":
                let parts = value().split(separator: ",").compactMap { Int($0) }
                guard parts.count == 2 else { usage() }
                options.synthetic = (parts[0], parts[1])
            default: usage()
            }
        }
        guard !options.splits.isEmpty || options.synthetic != nil, DetectorCatalog.names.contains(options.detector)
                || DetectorCatalog.entries.contains(where: { $0.names.contains(options.detector) }) else { usage() }
        return options
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func run(_ arguments: [String]) throws {
        let options = parse(arguments)
        if let (rows, features) = options.synthetic {
            try runSynthetic(rows: rows, features: features, options: options)
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: options.splits).sorted().filter { name in
            FileManager.default.fileExists(atPath: "\(options.splits)/\(name)/train.csv")
                && (options.only?.contains(name) ?? true)
        }
        if !options.json {
            print("data set                          rows(fit)  features  roc_auc   fit_s  score_s")
        }
        for name in names {
            let train = try Table.read("\(options.splits)/\(name)/train.csv")
            let test = try Table.read("\(options.splits)/\(name)/test.csv", options: ReadOptions(schema: train.schema))
            guard let trainLabels = train.labels, let testLabels = test.labels else { continue }
            let preprocessor = try Preprocessor.fit(train)
            var xTrain = try preprocessor.transform(train)
            let xTest = try preprocessor.transform(test)
            let ratio = Double(trainLabels.reduce(0, +)) / Double(trainLabels.count)
            let contamination = min(0.5, max(ratio, 1e-6))
            var random = RandomSource(seed: options.seed)
            var fitRows = xTrain.rows
            if options.detector == "knn" && xTrain.rows > options.knnCap {
                var sampler = RandomSource(seed: options.seed)
                xTrain = xTrain.rows(at: sampler.sample(options.knnCap, from: xTrain.rows).sorted())
                fitRows = options.knnCap
            }
            var fitSeconds = Double.infinity, scoreSeconds = Double.infinity, scoreTrainSeconds = Double.infinity
            var scores = [Float]()
            var extra = ""
            var lastModel: (any FittedDetector)?
            for _ in 0..<options.repeats {
                var fitted: (any FittedDetector)?
                random = RandomSource(seed: options.seed)
                fitSeconds = min(fitSeconds, try seconds {
                    var detectorOptions = DetectorOptions(contamination: contamination)
                    detectorOptions.members = options.members
                    detectorOptions.normalization = options.normalization
                    detectorOptions.hidden = options.hidden
                    detectorOptions.epochs = options.epochs
                    detectorOptions.trees = options.trees
                    detectorOptions.combination = options.combination
                    fitted = try DetectorCatalog.make(options.detector, options: detectorOptions)
                        .fit(xTrain, labels: nil, using: &random)
                })
                guard let model = fitted else { continue }
                lastModel = model
                scoreSeconds = min(scoreSeconds, try seconds { scores = try model.scores(xTest) })
                if options.scoreTrain {
                    scoreTrainSeconds = min(scoreTrainSeconds, try seconds { _ = try model.scores(xTrain) })
                }
            }
            let auc = try Metrics.rocAUC(scores: scores, labels: testLabels)
            if let dump = options.dump, let model = lastModel {
                let stem = "\(dump)/\(name).\(options.detector).s\(options.seed)"
                try model.trainingScores.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: stem + ".train.f32")) }
                try scores.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: stem + ".test.f32")) }
                try Data(testLabels.map { UInt8($0) }).write(to: URL(fileURLWithPath: "\(dump)/\(name).labels.u8"))
            }
            if options.detector == "ecod" {
                // PyOD's rule for new rows: refit the ECDFs on the training rows followed by the test rows.
                let both = Matrix(rows: xTrain.rows + xTest.rows, columns: xTrain.columns,
                              scalars: xTrain.scalars + xTest.scalars)
                let transductive = try ECOD(contamination: contamination).fit(both, using: &random)
                let testPart = Array(transductive.trainingScores.suffix(xTest.rows))
                extra = String(format: ", \"roc_auc_transductive\": %.6f",
                               try Metrics.rocAUC(scores: testPart, labels: testLabels))
                let paper = try ECOD(contamination: contamination, aggregation: .paper).fit(xTrain, using: &random)
                extra += String(format: ", \"roc_auc_paper_aggregation\": %.6f",
                                try Metrics.rocAUC(scores: paper.scores(xTest), labels: testLabels))
            }
            if options.scoreTrain {
                extra += String(format: ", \"score_train_s\": %.6f", scoreTrainSeconds)
            }
            if options.json {
                print(String(format: "{\"dataset\": \"%@\", \"detector\": \"%@\", \"n_fit\": %d, \"n_test\": %d, \"features\": %d, \"roc_auc\": %.6f, \"fit_s\": %.6f, \"score_s\": %.6f%@}",
                             name, options.detector, fitRows, xTest.rows, xTrain.columns, auc, fitSeconds, scoreSeconds, extra))
            } else {
                print(name.padding(toLength: 32, withPad: " ", startingAt: 0)
                      + String(format: " %10d %9d %8.4f %7.3f %8.3f", fitRows, xTrain.columns, auc, fitSeconds, scoreSeconds)
                      + (extra.isEmpty ? "" : "  " + extra.dropFirst(2)))
            }
        }
    }

    static func runSynthetic(rows: Int, features: Int, options: Options) throws {
        var random = RandomSource(seed: options.seed)
        func gaussian() -> Matrix {
            Matrix(rows: rows, columns: features, scalars: (0..<(rows * features)).map { _ in Float(random.normal()) })
        }
        let train = gaussian(), test = gaussian()
        var fitted: (any FittedDetector)?
        let fitSeconds = try seconds {
            switch options.detector {
            case "iforest": fitted = try IsolationForest().fit(train, using: &random)
            case "ecod": fitted = try ECOD().fit(train, using: &random)
            default: fitted = try KNearestNeighbors().fit(train, using: &random)
            }
        }
        var scores = [Float]()
        let scoreSeconds = try seconds { scores = try fitted?.scores(test) ?? [] }
        print(String(format: "{\"detector\": \"%@\", \"rows\": %d, \"features\": %d, \"fit_s\": %.3f, \"score_s\": %.3f, \"mean_score\": %.6f}",
                     options.detector, rows, features, fitSeconds, scoreSeconds,
                     scores.reduce(0, +) / Float(max(scores.count, 1))))
    }
}
