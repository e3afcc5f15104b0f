import AnomalyDistill
import AnomalyDistillServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /v1/score?explain=K`: each result carries the row's K strongest reasons, as `ScoringModel.explain` gives.
@Suite struct ExplainRouteTests {
    @Test("?explain=2 adds each row's two strongest reasons, as ScoringModel.explain orders them; missing values are marked")
    func reasons() async throws {
        let app = try ServerFixture.application()
        let model = try ScoringModel(contentsOf: URL(fileURLWithPath: ServerFixture.modelPath))
        let body = #"{"rows": [[100.5, 0.25, "red"], {"colour": "purple", "a": 109.0, "b": -7.5}, [null, 0.5, "blue"]]}"#
        let explanations = try model.explain(try model.parseScoreRequest(Array(body.utf8)))
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/score?explain=2", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                #expect(results.count == 3)
                for (r, result) in results.enumerated() {
                    let reasons = try #require(result["reasons"] as? [[String: Any]])
                    let expected = explanations.reasons(row: r, top: 2)
                    #expect(reasons.map { $0["column"] as? String } == expected.map(\.column))
                    #expect(reasons.map { ($0["contribution"] as? NSNumber)?.floatValue } == expected.map(\.contribution))
                    #expect(reasons.map { $0["imputed"] as? Bool } == expected.map(\.imputed))
                }
                // Row 2's missing `a` is explained with its imputed value.
                #expect(explanations.imputed[2 * 3 + 0])
                let third = try #require(results[2]["reasons"] as? [[String: Any]])
                for reason in third where reason["column"] as? String == "a" { #expect(reason["imputed"] as? Bool == true) }
            }
            // More reasons than columns: capped at the three feature columns.
            try await client.execute(uri: "/v1/score?explain=50", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .ok)
                let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                #expect((results[0]["reasons"] as? [Any])?.count == 3)
            }
            // Without the parameter, no reasons.
            try await client.execute(uri: "/v1/score", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: body)) { response in
                let results = try #require(try ServerFixture.object(response)["results"] as? [[String: Any]])
                #expect(results.allSatisfy { $0["reasons"] == nil })
            }
        }
    }

    @Test("?explain=0, a negative or a non-number is a 400 naming the parameter", arguments: ["0", "-1", "two", ""])
    func badParameter(_ value: String) async throws {
        let app = try ServerFixture.application()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/score?explain=\(value)", method: .post, headers: ServerFixture.json,
                                     body: ByteBuffer(string: #"{"rows": [[1, 2, "red"]]}"#)) { response in
                #expect(response.status == .badRequest)
                let error = try ServerFixture.error(response)
                #expect(error["code"] as? String == "invalid_parameter")
                #expect(error["field"] as? String == "explain")
            }
        }
    }
}
