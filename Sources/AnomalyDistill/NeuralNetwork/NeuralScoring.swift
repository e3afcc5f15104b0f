/// Inference helpers shared by the networks of detectors and students.
enum NeuralScoring {
    /// Rows per forward pass when scoring, so memory stays bounded on large inputs.
    static let chunk = 4096

    /// Runs `network` in inference mode over `x`, `chunk` rows at a time, calling `body` with the
    /// chunk's first row, its inputs and its outputs.
    static func forEachChunk(_ network: Network, _ x: Matrix, _ body: (Int, Matrix, Matrix) -> Void) {
        var network = network
        var batch = Matrix(rows: 0, columns: x.columns)
        var start = 0
        while start < x.rows {
            let end = min(start + chunk, x.rows)
            Trainer.gather(x, Array(start..<end)[...], into: &batch)
            let output = network.forward(batch, training: false)
            body(start, batch, output)
            start = end
        }
    }

    /// The outputs of `network` for every row of `x`, in inference mode.
    static func outputs(_ network: Network, _ x: Matrix) -> Matrix {
        var result = Matrix(rows: x.rows, columns: network.outputWidth)
        let width = network.outputWidth
        forEachChunk(network, x) { start, _, output in
            result.scalars.withUnsafeMutableBufferPointer { target in
                output.scalars.withUnsafeBufferPointer { source in
                    (target.baseAddress! + start * width).update(from: source.baseAddress!, count: source.count)
                }
            }
        }
        return result
    }

    /// Checks the training input every neural detector shares.
    ///
    /// - Throws: `TrainingError.noTrainingRows` for no rows, `ConfigurationError.invalidSetting` for no
    ///   columns, a non-finite value or labels of the wrong count or values.
    static func checkTrainingInput(_ x: Matrix, labels: [Int]?) throws {
        guard x.rows > 0 else { throw TrainingError.noTrainingRows }
        guard x.columns > 0 else {
            throw DataError.invalidInput(name: "features", reason: "expected at least one feature, found none")
        }
        if let bad = x.scalars.firstIndex(where: { !$0.isFinite }) {
            throw DataError.invalidInput(
                name: "features",
                reason: "expected finite values, found \(x.scalars[bad]) at row \(bad / x.columns + 1), "
                    + "column \(bad % x.columns + 1)")
        }
        if let labels {
            guard labels.count == x.rows else {
                throw DataError.invalidInput(name: "labels", reason: "expected \(x.rows) labels, found \(labels.count)")
            }
            if let bad = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw DataError.invalidInput(
                    name: "labels", reason: "expected 0 or 1, found \(labels[bad]) for row \(bad + 1)")
            }
        }
    }

    /// The architecture document's network entry, decoded, and the network its tensors hold.
    static func decodeNetwork(_ file: ModelFile, architecture: NetworkArchitecture, featureCount: Int) throws -> Network {
        guard architecture.inputWidth == featureCount else {
            throw ModelError.invalidMetadata(
                file: file.file,
                reason: "expected a network over \(featureCount) features, found \(architecture.inputWidth)")
        }
        do {
            return try Network(architecture: architecture, tensors: file.tensors, prefix: "network.", file: file.file)
        } catch let error as DataError {
            throw ModelError.invalidMetadata(file: file.file, reason: "invalid network architecture: \(error)")
        }
    }
}
