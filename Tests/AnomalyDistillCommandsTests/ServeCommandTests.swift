import AnomalyDistill
import Foundation
import Testing

@testable import AnomalyDistillCommands

#if canImport(Glibc)
import Glibc
#endif

/// The real `anomaly-distill serve` binary on a loopback port.
final class ServerProcess {
    let process = Process()
    let port: Int
    private let output = Pipe()
    private let errors = Pipe()

    /// The `anomaly-distill` executable built beside the test bundle.
    static var executable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ].map { $0.appendingPathComponent("anomaly-distill") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    init(_ arguments: [String]) throws {
        guard let executable = Self.executable else {
            throw ServeTestError("the anomaly-distill executable was not found beside the tests (swift build first)")
        }
        process.executableURL = executable
        process.arguments = ["serve", "--port", "0", "--log-level", "warning"] + arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // The first line on standard output names the port; wait for it, a minute at most.
        let reader = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("listening on http://"),
              let port = line.split(separator: ":").last.flatMap({ Int($0) })
        else {
            process.terminate()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ServeTestError("serve did not announce its port: \(text) \(stderr)")
        }
        self.port = port
    }

    /// Sends SIGTERM and waits for the exit; returns the status.
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var standardError: String {
        String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit { if process.isRunning { process.terminate() } }

    /// One HTTP/1.1 request over a fresh loopback connection: the status and the body.
    func request(_ method: String, _ path: String, body: String? = nil) throws -> (status: Int, body: String) {
        let payload = Array((body ?? "").utf8)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if body != nil { head += "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\n" }
        let text = try exchange(Array((head + "\r\n").utf8) + payload)
        guard let split = text.range(of: "\r\n\r\n"),
              let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap({ Int($0) })
        else { throw ServeTestError("not an HTTP answer: \(text.prefix(200))") }
        return (status, String(text[split.upperBound...]))
    }

    /// Sends raw bytes over a fresh loopback connection and reads until the server closes it.
    func exchange(_ bytes: [UInt8]) throws -> String {
        try exchange([bytes])
    }

    /// Sends each part in turn (`between` runs after each part but the last), then reads until the server
    /// closes the connection.
    func exchange(_ parts: [[UInt8]], between: () -> Void = {}) throws -> String {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ServeTestError("socket: \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw ServeTestError("connect: \(errno)") }
        sending: for (index, bytes) in parts.enumerated() {
            if index > 0 { between() }
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { break sending }  // the server may answer and close before reading everything
                sent += n
            }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite(.serialized) struct ServeCommandTests {
    /// The data file's rows as JSON objects keyed by column name (the label rides along and is ignored).
    static func jsonRows(_ csv: String) -> String {
        let lines = csv.split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let members = zip(header, fields).map { name, value in
                let json = Double(value) != nil ? value : (value.isEmpty ? "null" : "\"\(value)\"")
                return "\"\(name)\": \(json)"
            }
            return "{" + members.joined(separator: ", ") + "}"
        }
        return "{\"rows\": [" + rows.joined(separator: ",\n") + "]}"
    }

    @Test("the binary serves scores equal to `anomaly-distill score` on the same rows, reloads on SIGHUP, stops on SIGTERM")
    func endToEnd() throws {
        let model = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).safetensors").path
        try FileManager.default.copyItem(atPath: SavedStudent.paths.model, toPath: model)
        defer { try? FileManager.default.removeItem(atPath: model) }
        let server = try ServerProcess(["-m", model, "--max-body-bytes", "100000"])
        defer { _ = server.stop() }

        // The same rows through `score` (in-process) and through the server.
        let (_, csv) = try ScoreCommandTests.score([SavedStudent.paths.data])
        let expected = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let data = try String(contentsOfFile: SavedStudent.paths.data, encoding: .utf8)
        let answer = try server.request("POST", "/v1/score", body: Self.jsonRows(data))
        #expect(answer.status == 200, "\(answer.body.prefix(300))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == expected.count)
        // Scores are compared as the text each side printed: both print the Float's shortest round-trip form.
        let scores = answer.body.components(separatedBy: "\"score\":").dropFirst().map { $0.prefix { $0 != "," } }
        for (r, fields) in expected.enumerated() where r < results.count {
            #expect(Float(String(scores[r])) == Float(String(fields[0])), "row \(r)")
            #expect(results[r]["is_anomaly"] as? Bool == (fields[2] == "1"), "row \(r)")
        }

        // A bad request gets its JSON error and the server goes on.
        let bad = try server.request("POST", "/v1/score", body: #"{"rows": [{"a": "x"}]}"#)
        #expect(bad.status == 422)
        #expect(bad.body.contains("\"field\":\"a\""))

        // Pipelined requests are answered in order, whichever lane answers each.
        let score = #"{"rows": [[0.5, 1.5, -0.5, "x"]]}"#
        let pipelined = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /v1/score HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(score.utf8.count)\r\n\r\n\(score)"
            + "GET /v1/model HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /v1/score HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(score.utf8.count)\r\nConnection: close\r\n\r\n\(score)"
        let answers = try server.exchange(Array(pipelined.utf8))
        let order = ["\"status\":\"ok\"", "\"results\"", "\"features\"", "\"results\""].map { answers.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil }, "\(answers.prefix(2_000))")
        #expect(answers.components(separatedBy: "HTTP/1.1 200").count == 5)
        if let second = order[1], let third = order[2], let first = order[0] {
            #expect(first < second && second < third)
            #expect(answers.range(of: "\"results\"", range: third..<answers.endIndex) != nil)
        }

        // A chunked body over the limit: 413 and the connection closes.
        let chunk = String(repeating: " ", count: 300_000)
        let chunked = "POST /v1/score HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
        let refused = try server.exchange(Array(chunked.utf8))
        #expect(refused.hasPrefix("HTTP/1.1 413"), "\(refused.prefix(300))")
        #expect(refused.contains("body_too_large"))

        // SIGHUP: a bad file keeps the old model, a good new one is served.
        let ready = try #require(try JSONSerialization.jsonObject(with: Data(server.request("GET", "/readyz").body.utf8)) as? [String: Any])
        let firstID = try #require(ready["model_id"] as? String)
        let original = try Data(contentsOf: URL(fileURLWithPath: model))
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: model))
        kill(server.process.processIdentifier, SIGHUP)
        Thread.sleep(forTimeInterval: 1)
        #expect(try server.request("GET", "/readyz").body.contains(firstID))
        var file = try ModelFile(decoding: original, file: model)
        file.metadata.createdBy = "serve end-to-end test"
        try ModelFile.write(tensors: Array(file.tensors.values), metadata: file.metadata, to: URL(fileURLWithPath: model))
        let newID = String(SHA256.hex(Array(try Data(contentsOf: URL(fileURLWithPath: model)))).prefix(16))
        kill(server.process.processIdentifier, SIGHUP)
        var served = ""
        for _ in 0..<50 where !served.contains(newID) {
            Thread.sleep(forTimeInterval: 0.1)
            served = try server.request("GET", "/readyz").body
        }
        #expect(served.contains(newID), "\(served)")
        let metrics = try server.request("GET", "/metrics").body
        #expect(metrics.contains(#"anomaly_distill_model_reloads_total{result="failed"} 1"#), "\(metrics.prefix(2_000))")
        #expect(metrics.contains(#"anomaly_distill_model_reloads_total{result="ok"} 1"#))

        // SIGTERM while a request is half sent: it is answered, then the server stops with status 0.
        let head = "POST /v1/score HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: \(score.utf8.count)\r\n\r\n"
        let half = score.utf8.count / 2
        let lastAnswer = try server.exchange([Array(head.utf8) + Array(score.utf8.prefix(half)), Array(score.utf8.dropFirst(half))]) {
            Thread.sleep(forTimeInterval: 0.3)
            kill(server.process.processIdentifier, SIGTERM)
            Thread.sleep(forTimeInterval: 0.5)
        }
        #expect(lastAnswer.hasPrefix("HTTP/1.1 200"), "\(lastAnswer.prefix(300))")
        #expect(lastAnswer.contains("\"results\""))
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
    }

    @Test("serve refuses a missing model file and settings out of range with one clear line")
    func refuses() throws {
        let port = #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["serve", "-m", "x.safetensors", "--port", "70000"])
        }
        #expect(port.map { AnomalyDistillCommand.message(for: $0).contains("--port must be in [0, 65535], found 70000") } == true)
        do {
            _ = try AnomalyDistillCommand.parseAsRoot(["serve", "-m", "x.safetensors", "--max-rows", "0"])
            Issue.record("expected a validation error")
        } catch {
            #expect(AnomalyDistillCommand.message(for: error).contains("--max-rows must be in [1, 1000000], found 0"))
        }
        let monitor = #expect(throws: (any Error).self) {
            try AnomalyDistillCommand.parseAsRoot(["serve", "-m", "x.safetensors", "--monitor-rows", "3"])
        }
        #expect(monitor.map { AnomalyDistillCommand.message(for: $0).contains("--monitor-rows must be in [10, 1000000000], found 3") } == true)
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString).safetensors").path
        let server = Process()
        server.executableURL = try #require(ServerProcess.executable)
        server.arguments = ["serve", "-m", missing, "--port", "0"]
        let errors = Pipe()
        server.standardError = errors
        server.standardOutput = Pipe()
        try server.run()
        server.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(server.terminationStatus != 0)
        #expect(text.contains(missing), "\(text)")
        #expect(!text.contains("Fatal error"))
    }
}
