import AnomalyDistill
import AnomalyDistillServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct ServerRouteTests {
    @Test("POST /v1/score scores arrays and objects as the ScoringModel does, with threshold and model id")
    func score() async throws {
        let app = try ServerFixture.application()
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: ServerFixture.modelPath))
        let body = #"{"rows": [[100.5, 0.25, "red"], {"colour": "purple", "a": 109.0, "b": -7.5}, [null, null, null]]}"#
        let expected = try model.score(try model.parseScoreRequest(Array(body.utf8)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let answer = try ServerFixture.object(response)
                #expect(answer["model_id"] as? String == model.id)
                // Foundation's JSON reader rounds some doubles off by an ulp: check the text, which must round-trip.
                #expect(String(buffer: response.body).contains("\"threshold\":\(model.threshold)"))
                let results = try #require(answer["results"] as? [[String: Any]])
                #expect(results.count == 3)
                for (r, result) in results.enumerated() {
                    #expect((result["score"] as? NSNumber)?.floatValue == expected.scores[r])
                    #expect((result["probability"] as? NSNumber)?.floatValue == expected.probabilities[r])
                    #expect(result["is_anomaly"] as? Bool == expected.isAnomaly[r])
                }
            }
        }
    }

    @Test("GET /v1/model: kind, schema, threshold, metrics and provenance")
    func modelDescription() async throws {
        let app = try ServerFixture.application()
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: ServerFixture.modelPath))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/model", method: .get) { response in
                #expect(response.status == .ok)
                let answer = try ServerFixture.object(response)
                #expect(answer["kind"] as? String == model.kind)
                #expect(answer["id"] as? String == model.id)
                #expect(answer["sha256"] as? String == model.sha256)
                #expect(answer["features"] as? [String] == ["a", "b", "colour"])
                // Foundation's JSON reader rounds some doubles off by an ulp: check the text, which must round-trip.
                #expect(String(buffer: response.body).contains("\"threshold\":\(model.threshold)"))
                #expect(answer["schema"] is [String: Any])
                #expect(answer.keys.contains("metrics"))
                let provenance = try #require(answer["provenance"] as? [String: Any])
                #expect(provenance["file"] as? String == ServerFixture.modelPath)
                #expect(provenance["loaded_at"] is String)
            }
        }
    }

    @Test("GET /healthz and /readyz")
    func health() async throws {
        let app = try ServerFixture.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                let answer = try ServerFixture.object(response)
                #expect(answer["status"] as? String == "ok")
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let answer = try ServerFixture.object(response)
                #expect(answer["status"] as? String == "ready")
            }
        }
    }

    @Test("GET /metrics: requests by route and status, latency, rows, anomalies, the model's id")
    func metrics() async throws {
        let app = try ServerFixture.application()
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: ServerFixture.modelPath))
        let body = #"{"rows": [[100.5, 0.25, "red"], [109, -7.5, "purple"]]}"#
        let flagged = try model.score(try model.parseScoreRequest(Array(body.utf8))).anomalies
        try await app.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json, body: ByteBuffer(string: body))
            }
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json, body: ByteBuffer(string: "{"))
            try await client.execute(uri: "/no/such/\(UUID())", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                for line in [
                    #"anomaly_distill_http_requests_total{route="/v1/score",method="POST",status="200"} 2"#,
                    #"anomaly_distill_http_requests_total{route="/v1/score",method="POST",status="400"} 1"#,
                    #"anomaly_distill_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
                    #"anomaly_distill_http_request_duration_seconds_count{route="/v1/score"} 3"#,
                    "anomaly_distill_rows_scored_total 4",
                    #"anomaly_distill_model_info{model_id="\#(model.id)",kind="\#(model.kind)"} 1"#,
                ] {
                    #expect(text.contains(line), "missing \(line) in\n\(text)")
                }
                if flagged > 0 { #expect(text.contains("anomaly_distill_anomalies_flagged_total \(2 * flagged)")) }
            }
        }
    }

    @Test("POST /v1/model/reload serves a rewritten file; a bad one leaves the old model serving")
    func reload() async throws {
        let path = try ServerFixture.copy()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try ScoringModel(contentsOf: URL(fileURLWithPath: path)).id
        let app = try ServerFixture.application(path: path)
        try await app.test(.router) { client in
            try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
            try await client.execute(uri: "/v1/model/reload", method: .post) { response in
                #expect(response.status == .conflict)
                let error = try ServerFixture.error(response)
                #expect(error["code"] as? String == "reload_failed")
                #expect((error["message"] as? String)?.contains(path) == true)
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                let answer = try ServerFixture.object(response)
                #expect(answer["model_id"] as? String == first)
            }
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: ServerFixture.modelPath, toPath: path)
            try ServerFixture.rewrite(path, createdBy: "reload test")
            let second = try ScoringModel(contentsOf: URL(fileURLWithPath: path)).id
            #expect(second != first)
            try await client.execute(uri: "/v1/model/reload", method: .post) { response in
                #expect(response.status == .ok)
                let answer = try ServerFixture.object(response)
                #expect(answer["previous_model_id"] as? String == first)
                #expect((answer["model"] as? [String: Any])?["id"] as? String == second)
            }
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: #"{"rows": [[1, 2, "red"]]}"#)) { response in
                let answer = try ServerFixture.object(response)
                #expect(answer["model_id"] as? String == second)
            }
        }
    }

    @Test("a request keeps the model it started with while a reload swaps the store")
    func inFlightKeepsItsModel() async throws {
        let path = try ServerFixture.copy()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try ModelStore(path: path)
        let taken = store.current.model
        try ServerFixture.rewrite(path, createdBy: "in flight")
        let (previous, current) = try await store.reload()
        #expect(previous.id == taken.id)
        #expect(current.id != taken.id)
        #expect(store.current.model.id == current.id)
        #expect(try taken.scores(taken.parseScoreRequest(Array(#"{"rows": [[1, 2, "red"]]}"#.utf8))).count == 1)
    }
}

/// Every error is JSON with its status: {"error": {"code", "message", "row", "field"}}.
@Suite struct ServerErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var method: HTTPRequest.Method = .post
        var uri = "/v1/score"
        var contentType: String? = "application/json"
        var body: String? = nil
        var status: HTTPResponse.Status
        var code: String
        var row: Int? = nil
        var field: String? = nil
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"rows": [[1, 2"#, status: .badRequest, code: "malformed_json"),
        Case(name: "NaN", body: #"{"rows": [[NaN, 2, "red"]]}"#, status: .badRequest, code: "malformed_json"),
        Case(name: "nested 10,000 deep", body: String(repeating: "[", count: 10_000), status: .badRequest, code: "malformed_json"),
        Case(name: "no content type", contentType: nil, body: #"{"rows": []}"#, status: .unsupportedMediaType,
             code: "unsupported_media_type"),
        Case(name: "form content type", contentType: "application/x-www-form-urlencoded", body: #"{"rows": []}"#,
             status: .unsupportedMediaType, code: "unsupported_media_type"),
        Case(name: "body over the limit", body: "{\"rows\": [" + String(repeating: " ", count: 70_000) + "]}",
             status: .contentTooLarge, code: "body_too_large"),
        Case(name: "rows over the limit", body: "{\"rows\": [" + Array(repeating: #"[1,2,"red"]"#, count: 11).joined(separator: ",") + "]}",
             status: .contentTooLarge, code: "too_many_rows"),
        Case(name: "text where a number belongs", body: #"{"rows": [[1, 2, "red"], [1, "two", "red"]]}"#,
             status: .unprocessableContent, code: "invalid_field", row: 1, field: "b"),
        Case(name: "huge number", body: #"{"rows": [[1e400, 2, "red"]]}"#, status: .unprocessableContent, code: "invalid_field",
             row: 0, field: "a"),
        Case(name: "missing column", body: #"{"rows": [{"a": 1, "colour": "red"}]}"#, status: .unprocessableContent,
             code: "invalid_field", row: 0, field: "b"),
        Case(name: "duplicate key", body: #"{"rows": [{"a": 1, "b": 2, "b": 3, "colour": "red"}]}"#,
             status: .unprocessableContent, code: "invalid_field", row: 0, field: "b"),
        Case(name: "no rows", body: #"{"data": []}"#, status: .unprocessableContent, code: "invalid_request"),
        Case(name: "unknown route", method: .get, uri: "/v2/score", contentType: nil, status: .notFound, code: "not_found"),
        Case(name: "wrong method", method: .get, uri: "/v1/score", contentType: nil, status: .methodNotAllowed,
             code: "method_not_allowed"),
        Case(name: "wrong method on a GET route", method: .delete, uri: "/v1/model", contentType: nil,
             status: .methodNotAllowed, code: "method_not_allowed"),
    ]

    @Test("each bad request gets its status and a JSON error", arguments: cases)
    func errors(_ bad: Case) async throws {
        let app = try ServerFixture.application(maxBodyBytes: 65_536, maxRows: 10)
        try await app.test(.router) { client in
            var headers: HTTPFields = [:]
            if let type = bad.contentType { headers[.contentType] = type }
            try await client.execute(uri: bad.uri, method: bad.method, headers: headers,
                                     body: bad.body.map { ByteBuffer(string: $0) }) { response in
                #expect(response.status == bad.status, "\(String(buffer: response.body))")
                #expect(response.headers[.contentType] == "application/json")
                let error = try ServerFixture.error(response)
                #expect(error["code"] as? String == bad.code)
                #expect((error["message"] as? String)?.isEmpty == false)
                #expect(error["row"] as? Int == bad.row)
                #expect(error["field"] as? String == bad.field)
                #expect(error.keys.sorted() == ["code", "field", "message", "row"])
                if bad.status == .methodNotAllowed { #expect(response.headers[.allow] != nil) }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }
}

/// Thousands of random and mutated bodies: every answer is 2xx or 4xx JSON, and the server still answers.
@Suite struct ServerFuzzTests {
    static let seeds: [String] = [
        #"{"rows": [[100.5, 0.25, "red"], {"a": 101, "b": null, "colour": "blue"}]}"#,
        #"{"rows": [[1e10, -0.0, "gr\u00e9en"], [null, 3, null]], "explain": 2}"#,
        #"{"rows": [{"colour": "purple", "b": -7.5, "a": 109, "extra": [1, {"x": "y"}]}]}"#,
    ]

    static func mutate(_ seed: [UInt8], _ random: inout RandomSource) -> [UInt8] {
        var body = seed
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \ntruefalsenullNaN"u\"#.utf8)
        for _ in 0..<(1 + random.index(below: 4)) {
            let position = body.isEmpty ? 0 : random.index(below: body.count)
            switch random.index(below: 7) {
            case 0 where !body.isEmpty: body[position] = UInt8(truncatingIfNeeded: random.index(below: 256))
            case 1: body.insert(alphabet[random.index(below: alphabet.count)], at: position)
            case 2 where !body.isEmpty: body.remove(at: position)
            case 3: body = Array(body.prefix(position))
            case 4:
                let end = min(body.count, position + random.index(below: 16))
                body.insert(contentsOf: body[position..<end], at: position)
            case 5: body.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: random.index(below: 300)), at: position)
            default: body.insert(contentsOf: Array(String(random.index(below: 1 << 30)).utf8) + Array("e999".utf8), at: position)
            }
        }
        return body
    }

    @Test("3,000 mutated and random bodies: only 2xx or 4xx JSON, never a 5xx, and /healthz still answers")
    func fuzz() async throws {
        let app = try ServerFixture.application(maxBodyBytes: 4_096, maxRows: 50)
        try await app.test(.router) { client in
            var random = RandomSource(seed: 2_026)
            var statuses: [Int: Int] = [:]
            for i in 0..<3_000 {
                let body: [UInt8]
                if i % 10 == 9 {
                    body = (0..<random.index(below: 5_000)).map { _ in UInt8(truncatingIfNeeded: random.index(below: 256)) }
                } else {
                    body = Self.mutate(Array(Self.seeds[i % Self.seeds.count].utf8), &random)
                }
                try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                         body: ByteBuffer(bytes: body)) { response in
                    statuses[response.status.code, default: 0] += 1
                    #expect((200..<500).contains(response.status.code), "\(String(decoding: body, as: UTF8.self).prefix(200))")
                    let answer = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                    #expect(answer?[response.status == .ok ? "results" : "error"] != nil)
                }
            }
            #expect(statuses[200, default: 0] > 0 && statuses[400, default: 0] > 0 && statuses[422, default: 0] > 0,
                    "\(statuses)")
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test("the fast lane (over a socket) answers every body byte for byte as the router does (in process)")
    func fastLaneMatchesRouter() async throws {
        var random = RandomSource(seed: 99)
        var bodies = ServerErrorTests.cases.filter { $0.uri == "/v1/score" && $0.contentType == "application/json" }
            .compactMap(\.body).map { Array($0.utf8) }
        bodies += Self.seeds.map { Array($0.utf8) }
        bodies += [Array(#"{"rows": [[101.5, 0.5, "blue"], [null, -1e-3, "mauve"]]}"#.utf8),
                   Array(#"{"rows": [[1, 2, "red", 0], {"a": 1, "b": 2, "colour": "x"}]}"#.utf8)]
        for i in 0..<300 { bodies.append(Self.mutate(Array(Self.seeds[i % Self.seeds.count].utf8), &random)) }
        let metrics = ServerMetrics()
        let app = try ServerFixture.application(maxBodyBytes: 65_536, maxRows: 10, metrics: metrics)
        let corpus = bodies
        let viaRouter = try await app.test(.router) { client in
            var answers: [(Int, String)] = []
            for body in corpus {
                try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                         body: ByteBuffer(bytes: body)) { answers.append(($0.status.code, String(buffer: $0.body))) }
            }
            return answers
        }
        let viaSocket = try await app.test(.live) { client in
            var answers: [(Int, String)] = []
            for body in corpus {
                try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                         body: ByteBuffer(bytes: body)) { answers.append(($0.status.code, String(buffer: $0.body))) }
            }
            return answers
        }
        #expect(viaRouter.count == corpus.count && viaSocket.count == corpus.count)
        for (i, (router, socket)) in zip(viaRouter, viaSocket).enumerated() {
            #expect(router.0 == socket.0 && router.1 == socket.1,
                    "body \(i) \(String(decoding: corpus[i], as: UTF8.self).prefix(120)): \(router) vs \(socket)")
        }
        // Both lanes counted every request.
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        let counted = text.split(separator: "\n").filter { $0.hasPrefix(#"anomaly_distill_http_requests_total{route="/v1/score""#) }
            .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(counted == 2 * corpus.count, "\(text)")
    }

    @Test("GET /metrics publishes each drift block's PSI of the scores and the features, and counts alarms")
    func driftGauges() async throws {
        let metrics = ServerMetrics(driftRows: 20)
        let app = try ServerFixture.application(metrics: metrics)
        try await app.test(.router) { client in
            // 30 rows far outside the training data: the first block of 20 drifts.
            let rows = (0..<30).map { _ in "[1000, -1000, \"red\"]" }.joined(separator: ",")
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: #"{"rows": ["# + rows + "]}")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                let score = text.split(separator: "\n").first { $0.hasPrefix(#"anomaly_distill_drift_psi{series="score"}"#) }
                #expect(score.flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }.map { $0 > 0.25 } == true, "\(text)")
                #expect(text.contains(#"anomaly_distill_drift_psi{series="feature:"#))
                #expect(text.contains("anomaly_distill_drift_alarms_total 1"), "\(text)")
            }
        }
    }

    @Test("over a real socket: bad framing-free bodies and a body over the limit leave the server answering")
    func live() async throws {
        let app = try ServerFixture.application(maxBodyBytes: 4_096, maxRows: 50)
        try await app.test(.live) { client in
            var random = RandomSource(seed: 7)
            for i in 0..<200 {
                let body = Self.mutate(Array(Self.seeds[i % Self.seeds.count].utf8), &random)
                try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                         body: ByteBuffer(bytes: body)) { response in
                    #expect((200..<500).contains(response.status.code))
                }
            }
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(repeating: UInt8(ascii: " "), count: 100_000)) { response in
                #expect(response.status == .contentTooLarge)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
