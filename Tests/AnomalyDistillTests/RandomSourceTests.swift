import Testing
@testable import AnomalyDistill

@Suite struct RandomSourceTests {
    @Test("the same seed gives the same sequence, another seed another one")
    func reproducible() {
        var a = RandomSource(seed: 42), b = RandomSource(seed: 42), c = RandomSource(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test("the first outputs are fixed across platforms (xoshiro256** seeded by SplitMix64)")
    func goldenValues() {
        // SplitMix64 from seed 0 gives the state; xoshiro256**'s first output is rotl(s1 * 5, 7) * 9.
        var splitMix: UInt64 = 0
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        _ = nextSplitMix()
        let s1 = nextSplitMix()
        let product = s1 &* 5
        let expected = ((product << 7) | (product >> 57)) &* 9
        var random = RandomSource(seed: 0)
        #expect(random.next() == expected)
        #expect(nextSplitMix() != 0)
        // SplitMix64's published first output for seed 0.
        var check: UInt64 = 0
        check &+= 0x9E37_79B9_7F4A_7C15
        var z = check
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        #expect(z ^ (z >> 31) == 0xE220_A839_7B1D_CDAF)
    }

    @Test("uniform draws stay in [0, 1) with the right mean", arguments: [1, 7, 123] as [UInt64])
    func uniform(seed: UInt64) {
        var random = RandomSource(seed: seed)
        let draws = (0..<20_000).map { _ in random.uniform() }
        #expect(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - 0.5) < 0.01)
        let floats = (0..<1000).map { _ in random.uniformFloat() }
        #expect(floats.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test("bounded integers cover the range evenly", arguments: [1, 2, 3, 10, 1000])
    func boundedIndex(bound: Int) {
        var random = RandomSource(seed: 9)
        var counts = [Int](repeating: 0, count: bound)
        let draws = 20_000
        for _ in 0..<draws { counts[random.index(below: bound)] += 1 }
        let expected = Double(draws) / Double(bound)
        #expect(counts.allSatisfy { abs(Double($0) - expected) < 6 * expected.squareRoot() + 1 })
    }

    @Test("normal draws have mean 0 and variance 1")
    func normal() {
        var random = RandomSource(seed: 5)
        let draws = (0..<50_000).map { _ in random.normal() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count)
        #expect(abs(mean) < 0.02)
        #expect(abs(variance - 1) < 0.03)
        #expect(draws.allSatisfy { $0.isFinite })
    }

    @Test("shuffle is a permutation and sample draws distinct indices")
    func shuffleAndSample() {
        var random = RandomSource(seed: 3)
        var values = Array(0..<100)
        random.shuffle(&values)
        #expect(values != Array(0..<100))
        #expect(values.sorted() == Array(0..<100))
        let sample = random.sample(30, from: 50)
        #expect(Set(sample).count == 30)
        #expect(sample.allSatisfy { $0 >= 0 && $0 < 50 })
    }

    @Test("split streams differ from each other and from the parent")
    func splitStreams() {
        var parent = RandomSource(seed: 1)
        var a = parent.split(), b = parent.split()
        #expect(a.next() != b.next())
    }
}

@Suite struct SplitTests {
    @Test("a stratified split keeps the anomaly ratio and partitions the rows", arguments: [0.2, 0.4])
    func stratified(test: Double) throws {
        let labels = (0..<1000).map { $0 % 10 == 0 ? 1 : 0 }
        var random = RandomSource(seed: 0)
        let split = try Split(count: 1000, labels: labels, validation: 0.1, test: test, using: &random)
        let all = split.train + split.validation + split.test
        #expect(all.sorted() == Array(0..<1000))
        #expect(split.test.count == Int((1000 * test).rounded()))
        #expect(split.test.filter { labels[$0] == 1 }.count == Int((100 * test).rounded()))
        #expect(split.validation.filter { labels[$0] == 1 }.count == 10)
    }

    @Test("the same seed gives the same split")
    func reproducible() throws {
        var a = RandomSource(seed: 8), b = RandomSource(seed: 8)
        #expect(try Split(count: 100, test: 0.3, using: &a) == Split(count: 100, test: 0.3, using: &b))
    }

    @Test("fractions out of range and label count mismatches are errors")
    func badArguments() {
        var random = RandomSource(seed: 0)
        #expect(throws: ConfigurationError.self) { try Split(count: 10, validation: 0.5, test: 0.5, using: &random) }
        #expect(throws: ConfigurationError.self) { try Split(count: 10, test: -0.1, using: &random) }
        #expect(throws: DataError.self) { try Split(count: 10, labels: [0, 1], test: 0.2, using: &random) }
    }
}
