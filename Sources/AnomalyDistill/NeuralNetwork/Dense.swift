/// A fully connected layer, `y = x · W + b` (PyTorch's `torch.nn.Linear`).
///
/// The weight is stored `inputs × outputs` so the forward pass is one GEMM on row-major
/// mini-batches; saved tensors use PyTorch's `[outputs, inputs]` layout. The bias is optional:
/// Deep SVDD (Ruff et al. 2018) needs bias-free layers so that the all-zero map is not a solution.
public struct Dense: Layer {
    /// How a dense layer's weights are drawn.
    public enum Initialization: String, Codable, Sendable, CaseIterable {
        /// PyTorch's default for `nn.Linear`: `kaiming_uniform_(a: √5)`, that is W ~ U(−1/√in, 1/√in),
        /// and the bias ~ U(−1/√in, 1/√in).
        case pytorch
        /// He et al. 2015: W ~ U(−√(6/in), √(6/in)), bias zero. Suits ReLU networks.
        case heUniform
        /// Glorot & Bengio 2010: W ~ U(−√(6/(in+out)), √(6/(in+out))), bias zero. Suits tanh/sigmoid.
        case glorotUniform
    }

    /// The weight, `inputs × outputs`.
    public internal(set) var weight: Matrix
    /// The bias, `1 × outputs`, or `nil` for a bias-free layer.
    public internal(set) var bias: Matrix?
    /// ∂L/∂weight after the last backward pass.
    public internal(set) var weightGradient: Matrix
    /// ∂L/∂bias after the last backward pass (`nil` without a bias).
    public internal(set) var biasGradient: Matrix?

    /// Number of input features.
    public var inputs: Int { weight.rows }
    /// Number of output features.
    public var outputs: Int { weight.columns }

    /// A layer with weights drawn from `random`.
    ///
    /// - Parameters:
    ///   - inputs: Number of input features.
    ///   - outputs: Number of output features.
    ///   - bias: Whether the layer adds a bias.
    ///   - initialization: How the weights are drawn (PyTorch's default unless said otherwise).
    ///   - random: The seeded generator; the weights are drawn row after row of the `inputs × outputs`
    ///     matrix, then the bias.
    public init(
        inputs: Int, outputs: Int, bias: Bool = true, initialization: Initialization = .pytorch,
        random: inout RandomSource
    ) {
        precondition(inputs > 0 && outputs > 0, "a dense layer needs at least one input and one output")
        let bound: Float
        switch initialization {
        case .pytorch: bound = 1 / Float(inputs).squareRoot()
        case .heUniform: bound = (6 / Float(inputs)).squareRoot()
        case .glorotUniform: bound = (6 / Float(inputs + outputs)).squareRoot()
        }
        var w = Matrix(rows: inputs, columns: outputs)
        for i in w.scalars.indices { w.scalars[i] = (2 * random.uniformFloat() - 1) * bound }
        var b: Matrix?
        if bias {
            var values = Matrix(rows: 1, columns: outputs)
            if initialization == .pytorch {
                let biasBound = 1 / Float(inputs).squareRoot()
                for i in values.scalars.indices { values.scalars[i] = (2 * random.uniformFloat() - 1) * biasBound }
            }
            b = values
        }
        self.init(weight: w, bias: b)
    }

    /// A layer with given parameters.
    ///
    /// - Parameters:
    ///   - weight: `inputs × outputs`.
    ///   - bias: `1 × outputs`, or `nil` for no bias.
    public init(weight: Matrix, bias: Matrix?) {
        precondition(bias == nil || bias?.scalars.count == weight.columns, "the bias needs one value per output")
        self.weight = weight
        self.bias = bias.map { Matrix(rows: 1, columns: weight.columns, scalars: $0.scalars) }
        weightGradient = Matrix(rows: weight.rows, columns: weight.columns)
        biasGradient = bias.map { _ in Matrix(rows: 1, columns: weight.columns) }
    }

    public var specification: LayerSpecification { .dense(inputs: inputs, outputs: outputs, bias: bias != nil) }

    public func outputWidth(forInputWidth width: Int) -> Int { outputs }

    public var parameterCount: Int { weight.scalars.count + (bias?.scalars.count ?? 0) }

    public mutating func forward(_ input: Matrix, into output: inout Matrix, training: Bool) {
        precondition(input.columns == inputs, "dense layer expects \(inputs) features, got \(input.columns)")
        output.resize(rows: input.rows, columns: outputs)
        if let bias {
            output.fillRows(with: bias)
            Matrix.gemm(input, weight, into: &output, beta: 1)
        } else {
            Matrix.gemm(input, weight, into: &output)
        }
    }

    public mutating func backward(input: Matrix, output: Matrix, outputGradient: Matrix, inputGradient: inout Matrix?) {
        // ∂L/∂W = xᵀ · g, ∂L/∂b = Σ_rows g, ∂L/∂x = g · Wᵀ.
        Matrix.gemm(input, outputGradient, into: &weightGradient, transposeA: true)
        if var gradient = biasGradient.take() {
            outputGradient.columnSums(into: &gradient)
            biasGradient = gradient
        }
        if var target = inputGradient.take() {
            target.resize(rows: input.rows, columns: inputs)
            Matrix.gemm(outputGradient, weight, into: &target, transposeB: true)
            inputGradient = target
        }
    }

    public mutating func updateParameters(_ body: (_ parameter: inout Matrix, _ gradient: Matrix) -> Void) {
        body(&weight, weightGradient)
        if var b = bias.take(), let g = biasGradient {
            body(&b, g)
            bias = b
        }
    }

    public func tensors(prefix: String) -> [Tensor] {
        var result = [Tensor(name: prefix + "weight", matrix: weight.transposed())]
        if let bias { result.append(Tensor(name: prefix + "bias", vector: bias.scalars)) }
        return result
    }

    public mutating func load(_ tensors: [String: Tensor], prefix: String, file: String) throws {
        let w = try LayerTensors.floats(tensors, prefix + "weight", shape: [outputs, inputs], file: file)
        weight = Matrix(rows: outputs, columns: inputs, scalars: w).transposed()
        if bias != nil {
            let b = try LayerTensors.floats(tensors, prefix + "bias", shape: [outputs], file: file)
            bias = Matrix(rows: 1, columns: outputs, scalars: b)
        }
    }
}
