extension Network {
    /// The parameters and batch-norm running statistics as tensors, named as PyTorch names the
    /// state of an `nn.Sequential` held in an attribute `layers`: `layers.0.weight`, `layers.0.bias`,
    /// `layers.1.running_mean`, ... Dense weights are `[outputs, inputs]` as `nn.Linear`'s, so
    /// `model.load_state_dict(tensors, strict=False)` loads them into the same PyTorch model.
    ///
    /// - Parameter prefix: Put before every name (for example `"student."`).
    public func tensors(prefix: String = "") -> [Tensor] {
        layers.enumerated().flatMap { index, layer in layer.tensors(prefix: "\(prefix)layers.\(index).") }
    }

    /// A network of `architecture` whose parameters come from tensors written by ``tensors(prefix:)``.
    ///
    /// - Parameters:
    ///   - architecture: The layers, as saved next to the tensors.
    ///   - tensors: The tensors by name.
    ///   - prefix: The prefix the names were written with.
    ///   - file: The file name for error messages.
    /// - Throws: `ConfigurationError.invalidSetting` for an inconsistent architecture; `ModelError.missingTensor`,
    ///   `.wrongShape`, `.wrongDType` or `.nonFiniteWeight` for a bad tensor.
    public init(
        architecture: NetworkArchitecture, tensors: [String: Tensor], prefix: String = "",
        file: String = "<memory>"
    ) throws {
        do {
            try architecture.validate()
        } catch let error as ConfigurationError {
            throw ModelError.invalidMetadata(file: file, reason: "the network's architecture is not valid: \(error)")
        }
        var random = RandomSource(seed: 0)
        self.init(architecture: architecture, random: &random)
        for index in layers.indices {
            try layers[index].load(tensors, prefix: "\(prefix)layers.\(index).", file: file)
        }
    }

    /// ``init(architecture:tensors:prefix:file:)`` from a list of tensors.
    public init(
        architecture: NetworkArchitecture, tensors: [Tensor], prefix: String = "",
        file: String = "<memory>"
    ) throws {
        var byName: [String: Tensor] = [:]
        for tensor in tensors { byName[tensor.name] = tensor }
        try self.init(architecture: architecture, tensors: byName, prefix: prefix, file: file)
    }
}
