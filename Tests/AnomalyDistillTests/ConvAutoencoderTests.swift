import Foundation
import Testing

@testable import AnomalyDistill

/// The 1-D convolution and the convolutional autoencoder built on it.
@Suite struct ConvAutoencoderTests {
    @Test("conv1d: the forward pass by hand, the output size, padding and stride")
    func forward() {
        var random = RandomSource(seed: 1)
        var layer = Conv1D(channels: 1, steps: 5, filters: 1, kernel: 3, stride: 2, random: &random)
        layer.weight = Matrix([[1, 2, 3]])
        layer.bias = Matrix([[0.5]])
        var output = Matrix(rows: 0, columns: 0)
        layer.forward(Matrix([[1, 2, 3, 4, 5]]), into: &output, training: false)
        // Padding 1: windows [0,1,2], [2,3,4], [4,5,0] at t = 0, 1, 2.
        #expect(output == Matrix([[0.5 + 2 + 6, 0.5 + 2 + 6 + 12, 0.5 + 4 + 10]]))
        #expect(layer.outputWidth(forInputWidth: 5) == 3 && layer.specification.description.contains("1×5 → 1×3"))
    }

    @Test("conv1d: weight, bias and input gradients match finite differences", arguments: [(1, 3), (2, 1)])
    func gradients(kernel: Int, stride: Int) throws {
        var random = RandomSource(seed: 2)
        let (channels, steps, filters) = (3, 7, 2)
        var layer = Conv1D(channels: channels, steps: steps, filters: filters, kernel: kernel + 2, stride: stride, random: &random)
        let x = Matrix(rows: 2, columns: channels * steps, scalars: (0..<(2 * channels * steps)).map { _ in Float(random.normal()) })
        var output = Matrix(rows: 0, columns: 0)
        layer.forward(x, into: &output, training: true)
        // L = Σ y² / 2, so ∂L/∂y = y.
        let g = output
        var inputGradient: Matrix? = Matrix(rows: 0, columns: 0)
        layer.backward(input: x, output: output, outputGradient: g, inputGradient: &inputGradient)
        func loss(_ l: Conv1D, _ input: Matrix) -> Double {
            var copy = l, y = Matrix(rows: 0, columns: 0)
            copy.forward(input, into: &y, training: false)
            return y.scalars.reduce(0) { $0 + Double($1) * Double($1) } / 2
        }
        let h: Float = 1e-2
        for i in [0, 3, layer.weight.scalars.count - 1] {
            var plus = layer, minus = layer
            plus.weight.scalars[i] += h
            minus.weight.scalars[i] -= h
            let numeric = (loss(plus, x) - loss(minus, x)) / Double(2 * h)
            #expect(abs(numeric - Double(layer.weightGradient.scalars[i])) < 2e-2 * max(1, abs(numeric)))
        }
        var plus = layer, minus = layer
        plus.bias.scalars[1] += h
        minus.bias.scalars[1] -= h
        #expect(abs((loss(plus, x) - loss(minus, x)) / Double(2 * h) - Double(layer.biasGradient.scalars[1])) < 2e-2)
        let dx = try #require(inputGradient)
        for i in [0, 5, 11, x.scalars.count - 1] {
            var up = x, down = x
            up.scalars[i] += h
            down.scalars[i] -= h
            let numeric = (loss(layer, up) - loss(layer, down)) / Double(2 * h)
            #expect(abs(numeric - Double(dx.scalars[i])) < 2e-2 * max(1, abs(numeric)))
        }
    }

    /// Windows of two sensors on a cycle; anomalies break the cycle.
    static func windows(rows: Int, broken: Set<Int>, seed: UInt64) -> Matrix {
        var random = RandomSource(seed: seed)
        let steps = 8
        var x = Matrix(rows: rows, columns: 2 * steps)
        for r in 0..<rows {
            let phase = Double(r) / 3
            for t in 0..<steps {
                let angle = phase - Double(t) / 2
                let noise = broken.contains(r) ? 1.5 * random.normal() : 0.05 * random.normal()
                x[r, t] = Float(sin(angle) + noise)
                x[r, steps + t] = Float(cos(angle) + 0.05 * random.normal())
            }
        }
        return x
    }

    @Test("it learns the windows' shape: broken windows score higher; saved, loaded and explained")
    func detects() throws {
        let train = Self.windows(rows: 600, broken: [], seed: 3)
        let test = Self.windows(rows: 200, broken: Set(stride(from: 0, to: 200, by: 10)), seed: 4)
        var random = RandomSource(seed: 5)
        let fitted = try ConvAutoencoder(steps: 8, bottleneck: 8, epochs: 25, rowsPerEpoch: 600).fit(train, labels: nil, using: &random)
        #expect(fitted.modelKind == "conv_autoencoder" && fitted.isConvolutional)
        let labels = (0..<200).map { $0 % 10 == 0 ? 1 : 0 }
        #expect(try Metrics.rocAUC(scores: fitted.scores(test), labels: labels) > 0.95)
        let url = URL(fileURLWithPath: TestFiles.uniquePath(suffix: ".safetensors"))
        defer { TestFiles.remove(url.path) }
        try DetectorFile.write(fitted, to: url)
        let (loaded, _) = try ModelRegistry.load(from: url)
        #expect(loaded.modelKind == "conv_autoencoder")
        #expect(try loaded.scores(test) == fitted.scores(test))
        let explained = try fitted.attributions(test, baseline: [])
        for r in [0, 1, 10] {
            let sum = (0..<16).reduce(0.0) { $0 + Double(explained.contributions[r, $1]) }
            #expect(abs(sum - Double(explained.scores[r])) < 1e-3 * max(1, Double(explained.scores[r])))
        }
        // The broken sensor (the first 8 values) carries most of a broken window's error.
        let first = (0..<8).reduce(Float(0)) { $0 + explained.contributions[0, $1] }
        #expect(first > 0.5 * explained.scores[0])
    }

    @Test("bad windows and settings are refused, naming the window")
    func refuses() {
        var random = RandomSource(seed: 0)
        #expect(performing: { try ConvAutoencoder(steps: 8).fit(Matrix(rows: 20, columns: 12, repeating: 1), labels: nil, using: &random) },
                throws: { error in
                    guard case let ConfigurationError.invalidSetting(name, reason) = error else { return false }
                    return name == "window" && reason.contains("not a multiple of 8")
                })
        #expect(throws: ConfigurationError.self) { try ConvAutoencoder(steps: 1).validate() }
        #expect(throws: ConfigurationError.self) { try DetectorCatalog.make("conv-autoencoder", options: DetectorOptions()) }
        var options = DetectorOptions()
        options.windowSteps = 12
        options.lagWindows = true
        #expect((try? DetectorCatalog.make("conv-ae", options: options) as? ConvAutoencoder)?.steps == 12)
    }
}
