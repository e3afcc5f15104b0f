import RealModule

/// The seeded random number generator used everywhere randomness enters the library.
///
/// xoshiro256** (Blackman & Vigna 2018), seeded through SplitMix64 (Steele, Lea & Flood 2014) as
/// its authors recommend. Every derived draw (`uniform`, `index(below:)`, `normal`, `shuffle`) is
/// computed here with integer arithmetic or plain IEEE operations, never through the standard
/// library's unspecified algorithms, so the same seed gives the same sequence on every platform.
public struct RandomSource: RandomNumberGenerator, Sendable, Hashable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    public static func == (lhs: RandomSource, rhs: RandomSource) -> Bool {
        lhs.state == rhs.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    @inline(__always)
    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// A new generator for an independent stream (for example one per tree or per ensemble member),
    /// derived from this one's next output.
    public mutating func split() -> RandomSource {
        RandomSource(seed: next())
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform integer in `0..<bound`, without bias (Lemire 2019).
    ///
    /// - Precondition: `bound > 0`.
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "the bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw (Box–Muller transform).
    public mutating func normal() -> Double {
        var u = uniform()
        while u <= 0 { u = uniform() }
        let v = uniform()
        return (-2 * _log(u)).squareRoot() * _cos(2 * Double.pi * v)
    }

    /// Shuffles `values` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = index(below: i + 1)
            if i != j { values.swapAt(i, j) }
        }
    }

    /// `count` distinct indices from `0..<population`, in random order (partial Fisher–Yates).
    public mutating func sample(_ count: Int, from population: Int) -> [Int] {
        precondition(count >= 0 && count <= population, "cannot sample \(count) of \(population)")
        var pool = Array(0..<population)
        for i in 0..<count {
            let j = i + index(below: population - i)
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(count))
    }
}

@inline(__always) private func _log(_ x: Double) -> Double { Double.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Double.cos(x) }
