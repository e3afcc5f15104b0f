import AnomalyDistill
import AnomalyDistillServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A small distilled student saved to a file: 200 rows of `a`, `b` (numeric) and `colour` (categorical).
enum ServerFixture {
    static let csv: String = {
        var random = RandomSource(seed: 21)
        var lines = ["a,b,colour,label"]
        let colours = ["red", "green", "blue"]
        for r in 0..<200 {
            let anomaly = r % 20 == 0
            let a = Double(random.uniformFloat()) * (anomaly ? 12 : 2) + 100
            let b = Double(random.uniformFloat()) * (anomaly ? -9 : 1)
            lines.append(String(format: "%.4f,%.4f,%@,%d", a, b, anomaly ? "purple" : colours[r % 3], anomaly ? 1 : 0))
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// The saved student's path (written once per test process).
    static let modelPath: String = {
        // swiftlint:disable force_try
        let directory = FileManager.default.temporaryDirectory
        let data = directory.appendingPathComponent("server-data-\(UUID().uuidString).csv")
        try! Data(csv.utf8).write(to: data)
        defer { try? FileManager.default.removeItem(at: data) }
        let table = try! Table.read(data.path)
        let preprocessor = try! Preprocessor.fit(table)
        let x = try! preprocessor.transform(table)
        var random = RandomSource(seed: 5)
        let teacher = try! IsolationForest(trees: 30, contamination: 0.05).fit(x, using: &random)
        let student = try! Distiller(epochs: 4, rowsPerEpoch: 800).distill(teacher: teacher, x: x, using: &random)
        let path = directory.appendingPathComponent("server-student-\(UUID().uuidString).safetensors")
        try! DetectorFile.write(student, preprocessor: preprocessor, to: path)
        // swiftlint:enable force_try
        return path.path
    }()

    /// A copy of the model at a fresh path, for tests that rewrite the file.
    static func copy() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("server-copy-\(UUID().uuidString).safetensors").path
        try FileManager.default.copyItem(atPath: modelPath, toPath: path)
        return path
    }

    /// The same model with other bytes (so another id): its `created_by` changed.
    static func rewrite(_ path: String, createdBy: String) throws {
        var file = try ModelFile.read(from: URL(fileURLWithPath: path))
        file.metadata.createdBy = createdBy
        try ModelFile.write(tensors: Array(file.tensors.values), metadata: file.metadata, to: URL(fileURLWithPath: path))
    }

    static func application(path: String = modelPath, maxBodyBytes: Int = 1 << 20, maxRows: Int = 1_000,
                            metrics: ServerMetrics = ServerMetrics()) throws -> some ApplicationProtocol {
        let settings = ServerSettings(modelPath: path, port: 0, maxBodyBytes: maxBodyBytes, maxRows: maxRows)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ScoringService.buildApplication(store: try ModelStore(path: path), settings: settings, metrics: metrics,
                                               logger: logger)
    }

    static let json: HTTPFields = [.contentType: "application/json"]

    /// A response body as a JSON object.
    static func object(_ response: TestResponse) throws -> [String: Any] {
        let data = Data(String(buffer: response.body).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(buffer: response.body))")
    }

    /// The `error` member of an error answer.
    static func error(_ response: TestResponse) throws -> [String: Any] {
        try #require(try object(response)["error"] as? [String: Any], "\(String(buffer: response.body))")
    }
}
