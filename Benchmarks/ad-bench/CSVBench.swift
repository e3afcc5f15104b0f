import AnomalyDistill
import Foundation

/// `ad-bench csv FILE [REPEATS]`: reads FILE into a `Table` REPEATS times; prints the best time as JSON.
enum CSVBench {
    static func run(_ arguments: [String]) throws {
        guard let path = arguments.first else {
            FileHandle.standardError.write(Data("usage: ad-bench csv FILE [REPEATS]\n".utf8))
            exit(2)
        }
        let repeats = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
        var best = Double.infinity
        var rows = 0, columns = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let table = try Table.read(path)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
            rows = table.rowCount
            columns = table.schema.columns.count
        }
        print("{\"rows\": \(rows), \"columns\": \(columns), \"seconds\": \(best), \"rows_per_s\": \(Double(rows) / best)}")
    }
}
