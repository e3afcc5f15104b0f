import Testing

@testable import AnomalyDistill

/// The one place work is split over threads.
@Suite struct ParallelTests {
    struct Failure: Error, Equatable { var index: Int }

    @Test("map keeps index order and rethrows the first error by index")
    func map() throws {
        #expect(try Parallel.map(count: 1_000) { $0 * $0 } == (0..<1_000).map { $0 * $0 })
        #expect(throws: Failure(index: 3)) {
            _ = try Parallel.map(count: 100) { index -> Int in
                if index == 3 || index == 70 { throw Failure(index: index) }
                return index
            }
        }
        #expect(try Parallel.map(count: 0) { $0 }.isEmpty)
    }

    @Test("fill writes every element once, whatever the chunk and thread count", arguments: [1, 7, 1_000], [1, 2, 8])
    func fill(chunk: Int, threads: Int) {
        var output = [Int](repeating: -1, count: 2_345)
        Parallel.fill(&output, chunk: chunk, threads: threads) { range, buffer in
            for i in range { buffer[i] = buffer[i] == -1 ? 2 * i : -99 }
        }
        #expect(output == (0..<2_345).map { 2 * $0 })
    }
}
