import Foundation
import Numerics
import Testing
@testable import AnomalyDistill

@Suite struct PreprocessorTests {
    static func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pre-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("standard scaling imputes the training median, then centres and scales like scikit-learn")
    func standard() throws {
        let path = try Self.write("a,b,color,label\n1,10,red,0\n2,,blue,0\n3,30,red,1\n4,40,,0\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        let pre = try Preprocessor.fit(table)
        #expect(pre.outputNames == ["a", "b", "color=red", "color=blue", "color=<unseen>"])
        let x = try pre.transform(table)
        #expect(x.rows == 4 && x.columns == 5)
        // a: mean 2.5, population std sqrt(1.25)
        let std = 1.25.squareRoot()
        #expect(Double(x[0, 0]).isApproximatelyEqual(to: (1 - 2.5) / std, relativeTolerance: 1e-6))
        // b: median of 10, 30, 40 is 30; imputed column 10, 30, 30, 40 has mean 27.5
        let bValues = [10.0, 30, 30, 40]
        let bMean = 27.5
        let bStd = (bValues.reduce(0) { $0 + ($1 - bMean) * ($1 - bMean) } / 4).squareRoot()
        #expect(Double(x[1, 1]).isApproximatelyEqual(to: (30 - bMean) / bStd, relativeTolerance: 1e-6))
        #expect(x.row(0)[2...] == [1, 0, 0])
        #expect(x.row(1)[2...] == [0, 1, 0])
        #expect(x.row(3)[2...] == [0, 0, 0]) // missing category
    }

    @Test("an unseen category goes to the unseen slot; a constant column gets scale 1")
    func unseenAndConstant() throws {
        let train = try Self.write("k,c\n5,x\n5,y\n")
        let test = try Self.write("k,c\n7,z\n5,x\n")
        defer { for p in [train, test] { try? FileManager.default.removeItem(atPath: p) } }
        let fitted = try Table.read(train)
        let pre = try Preprocessor.fit(fitted)
        let x = try pre.transform(Table.read(test, options: ReadOptions(schema: fitted.schema)))
        #expect(x.row(0) == [2, 0, 0, 1])
        #expect(x.row(1) == [0, 1, 0, 0])
    }

    @Test("robust scaling uses the median and the interquartile range")
    func robust() throws {
        let path = try Self.write("a\n1\n2\n3\n4\n100\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let table = try Table.read(path)
        let x = try Preprocessor.fit(table, scaling: .robust).transform(table)
        // median 3, quartiles 2 and 4 (linear interpolation) so IQR 2
        #expect(x.scalars == [-1, -0.5, 0, 0.5, 48.5])
    }

    @Test("the state survives a JSON round trip")
    func codable() throws {
        let path = try Self.write("a,c\n1,x\n2,y\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pre = try Preprocessor.fit(Table.read(path))
        let decoded = try JSONDecoder().decode(Preprocessor.self, from: JSONEncoder().encode(pre))
        #expect(decoded == pre)
    }

    @Test("a table without a fitted column, or with a changed type, is a clear error")
    func schemaErrors() throws {
        let train = try Self.write("a,c\n1,x\n2,y\n")
        let missing = try Self.write("c\nx\n")
        let changed = try Self.write("a,c\n1,2\n3,4\n")
        defer { for p in [train, missing, changed] { try? FileManager.default.removeItem(atPath: p) } }
        let pre = try Preprocessor.fit(Table.read(train))
        #expect(throws: DataError.self) { try pre.transform(Table.read(missing)) }
        let error = #expect(throws: DataError.self) { try pre.transform(Table.read(changed)) }
        #expect(String(describing: error!).contains("\"c\""))
    }
}
