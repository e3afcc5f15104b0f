import AnomalyDistill
import Foundation
import SwiftProtobuf

/// Writes a ``ScoringModel`` as an ONNX model that ONNX Runtime scores as `anomaly-distill score` does.
///
/// **Inputs** — one per feature column, named as the column, shape `[N, 1]`: `float` for a numeric column (NaN
/// = missing, imputed in the graph with the training median), `string` for a categorical one (one-hot in the
/// graph; an unseen category goes to the unseen slot, a missing value — `""`, `NA`, `?`, … — to no slot), as
/// scikit-learn-onnx pipelines take a data frame column by column.
///
/// **Outputs** — `score` (`float [N]`, higher = more anomalous), `probability` (`float [N]`,
/// `σ((score − threshold) / σ_train)`), `is_anomaly` (`bool [N]`, `score > threshold` compared in `float` against
/// the threshold rounded down, so the decision is the Swift scorer's bit for bit given the same score).
///
/// **Graph** — opset 17 (`ai.onnx`) and 3 (`ai.onnx.ml`, for `LabelEncoder`), IR version 8. Numeric columns are
/// concatenated and imputed/centred/scaled in one step each; categorical columns are encoded by `LabelEncoder`,
/// offset into one index space and one-hot encoded by a single `OneHot` + `ReduceSum`; a `Gather` restores the
/// model's feature order; each folded dense stage is a `Gemm` and its activation (``FoldedNetwork``). The model's
/// schema, threshold, probability scale, kind and provenance are in `metadata_props` under `anomaly_distill.*`.
public enum ONNXExport {
    public static let opset: Int64 = 17
    public static let mlOpset: Int64 = 3
    public static let irVersion: Int64 = 8
    /// The graph's output names.
    public static let outputs = ["score", "probability", "is_anomaly"]

    /// The serialized `ModelProto`.
    ///
    /// - Throws: `ExportError.unsupportedKind` for a model that is not a network (trees, ECOD, kNN, ensembles,
    ///   ...), `.unsupportedLayers` for a network that does not fold, `.reservedColumnName` for a feature column
    ///   named like one of the outputs.
    public static func serialize(_ model: ScoringModel) throws -> Data {
        try proto(model).serializedData()
    }

    /// Writes the model to `path` whole or not at all (see `OutputFile`).
    ///
    /// - Throws: what ``serialize(_:)`` throws; `DataError.unwritable` for a path that cannot be written.
    public static func write(_ model: ScoringModel, to path: String) throws {
        let output = try OutputFile(path: path)
        do {
            try output.write([UInt8](try serialize(model)))
            try output.commit()
        } catch {
            output.discard()
            throw error
        }
    }

    /// The `ModelProto`.
    static func proto(_ model: ScoringModel) throws -> Onnx_ModelProto {
        let scoring = try model.graph()
        var builder = ONNXGraphBuilder()
        let input = try preprocess(scoring, &builder)
        let raw = scoreHead(scoring, input: input, &builder)
        // [N, 1] → [N]
        let score = builder.node("Reshape", [raw, builder.constant([Int64(-1)], shape: [1], name: "flat")],
                                 output: outputs[0])
        let threshold = builder.constant([scoring.threshold], shape: [], name: "threshold")
        let margin = builder.node("Sub", [score, threshold])
        let scaled = builder.node("Div", [margin, builder.constant([scoring.probabilityScale], shape: [],
                                                                   name: "probability_scale")])
        builder.node("Sigmoid", [scaled], output: outputs[1])
        builder.node("Greater", [score, threshold], output: outputs[2])
        builder.addOutput(outputs[0], .float, trailing: [],
                          doc: "Anomaly score of the model (\(scoring.kind)); higher = more anomalous.")
        builder.addOutput(outputs[1], .float, trailing: [],
                          doc: "σ((score − threshold) / σ_train): 0.5 at the threshold.")
        builder.addOutput(outputs[2], .bool, trailing: [], doc: "score > threshold.")

        var graph = builder.graph
        graph.name = "anomaly_distill_\(scoring.kind)"
        graph.docString = "AnomalyDistill \(scoring.kind): preprocessing, model, threshold."
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.producerName = "AnomalyDistill"
        proto.producerVersion = model.metadata?.createdBy ?? "AnomalyDistill"
        proto.domain = "org.anomaly-distill"
        proto.modelVersion = 1
        proto.docString = "An AnomalyDistill \(scoring.kind) exported from \(model.file ?? "memory"); "
            + "one input per feature column ([N, 1]: float, NaN = missing; string for categorical columns)."
        var main = Onnx_OperatorSetIdProto()
        main.domain = ""
        main.version = opset
        var ml = Onnx_OperatorSetIdProto()
        ml.domain = "ai.onnx.ml"
        ml.version = mlOpset
        proto.opsetImport = scoring.columns.contains { if case .categorical = $0 { true } else { false } }
            ? [main, ml] : [main]
        proto.graph = graph
        proto.metadataProps = try metadata(model, scoring).map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return proto
    }

    /// `metadata_props`: what a consumer needs to know about the model, under `anomaly_distill.*`.
    static func metadata(_ model: ScoringModel, _ scoring: ScoringGraph) throws -> [(String, String)] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        var entries: [(String, String)] = [
            ("anomaly_distill.kind", scoring.kind),
            ("anomaly_distill.threshold", "\(scoring.exactThreshold)"),
            ("anomaly_distill.threshold_float32", "\(scoring.threshold)"),
            ("anomaly_distill.probability_scale", "\(scoring.probabilityScale)"),
            ("anomaly_distill.features", try json(scoring.columns.map(\.name))),
            ("anomaly_distill.schema", try json(model.schema)),
            ("anomaly_distill.model_id", model.id),
        ]
        if let sha256 = model.sha256 { entries.append(("anomaly_distill.model_sha256", sha256)) }
        if let file = model.file { entries.append(("anomaly_distill.model_file", file)) }
        if let metadata = model.metadata {
            entries.append(("anomaly_distill.created_by", metadata.createdBy))
            entries.append(("anomaly_distill.format_version", "\(metadata.formatVersion)"))
            if let training = metadata.training { entries.append(("anomaly_distill.training", try json(training))) }
        }
        return entries
    }

    // MARK: - Preprocessing

    /// Declares the inputs and returns the preprocessed `[N, width]` value, in the model's feature order.
    static func preprocess(_ scoring: ScoringGraph, _ builder: inout ONNXGraphBuilder) throws -> String {
        let reserved = Set(outputs)
        var numeric: [ScoringModel.NumericFeature] = [], categorical: [ScoringModel.CategoricalFeature] = []
        // Where each model input lands in the concatenation [numeric values, one-hot slots].
        var numericPositions: [Int] = [], categoricalPositions: [[Int]] = []
        var position = 0
        for column in scoring.columns {
            guard !reserved.contains(column.name), !column.name.hasPrefix("anomaly_distill/") else {
                throw ExportError.reservedColumnName(column.name)
            }
            switch column {
            case let .numeric(feature):
                builder.addInput(feature.name, .float, trailing: [1])
                numeric.append(feature)
                numericPositions.append(position)
                position += 1
            case let .categorical(feature):
                builder.addInput(feature.name, .string, trailing: [1])
                categorical.append(feature)
                categoricalPositions.append(Array(position..<position + feature.categories.count + 1))
                position += feature.categories.count + 1
            }
        }
        var blocks: [String] = []
        if !numeric.isEmpty {
            let x = numeric.count == 1 ? numeric[0].name
                : builder.node("Concat", numeric.map(\.name), attributes: [Attribute.int("axis", 1)])
            let missing = builder.node("IsNaN", [x])
            let n = numeric.count
            if scoring.foldsInputScale {
                // q(x missing ? median : x) − center; 1 / scale is in the first Gemm.
                let imputed = builder.node("Where", [missing, builder.constant(numeric.map(\.median), shape: [1, n],
                                                                               name: "median"), x])
                blocks.append(builder.node("Sub", [Self.quantileMaps(numeric, imputed, &builder),
                                                   builder.constant(numeric.map(\.center), shape: [1, n], name: "center")]))
            } else {
                // x missing ? fill : (q(x) − center) · (1 / scale)
                let centred = builder.node("Sub", [Self.quantileMaps(numeric, x, &builder),
                                                   builder.constant(numeric.map(\.center), shape: [1, n], name: "center")])
                let scaled = builder.node("Mul", [centred, builder.constant(numeric.map(\.inverseScale), shape: [1, n],
                                                                            name: "inverse_scale")])
                blocks.append(builder.node("Where", [missing, builder.constant(numeric.map(\.fill), shape: [1, n],
                                                                               name: "fill"), scaled]))
            }
        }
        if !categorical.isEmpty {
            // Each column's slot (unseen → its unseen slot, missing → far out of range), shifted into one index
            // space; OneHot leaves out-of-range indices all zeros, and ReduceSum merges the columns' one-hots.
            let outOfRange = Int64(1) << 40
            var indices: [String] = [], offsets: [Int64] = []
            var total = 0
            for feature in categorical {
                let missingTokens = ReadOptions.missingTokens.sorted()
                let known = feature.categories.enumerated().filter { !ReadOptions.missingTokens.contains($0.element) }
                let keys = known.map(\.element) + missingTokens
                let values = known.map { Int64($0.offset) } + [Int64](repeating: outOfRange, count: missingTokens.count)
                indices.append(builder.node(
                    "LabelEncoder", [feature.name], domain: "ai.onnx.ml",
                    attributes: [Attribute.strings("keys_strings", keys), Attribute.ints("values_int64s", values),
                                 Attribute.int("default_int64", Int64(feature.categories.count))]))
                offsets.append(Int64(total))
                total += feature.categories.count + 1
            }
            let joined = indices.count == 1 ? indices[0]
                : builder.node("Concat", indices, attributes: [Attribute.int("axis", 1)])
            let shifted = total == categorical[0].categories.count + 1 ? joined
                : builder.node("Add", [joined, builder.constant(offsets, shape: [1, offsets.count], name: "slot_offset")])
            let hot = builder.node("OneHot", [shifted, builder.constant([Int64(total)], shape: [1], name: "depth"),
                                              builder.constant([Float(0), 1], shape: [2], name: "one_hot_values")],
                                   attributes: [Attribute.int("axis", -1)])
            blocks.append(builder.node("ReduceSum", [hot, builder.constant([Int64(1)], shape: [1], name: "axis")],
                                       attributes: [Attribute.int("keepdims", 0)]))
        }
        let joined = blocks.count == 1 ? blocks[0] : builder.node("Concat", blocks, attributes: [Attribute.int("axis", 1)])
        // The concatenation's column of each model input.
        var source = [Int](repeating: 0, count: position)
        var next = 0
        for p in numericPositions { source[p] = next; next += 1 }
        for slots in categoricalPositions { for p in slots { source[p] = next; next += 1 } }
        guard source != Array(0..<position) else { return joined }
        return builder.node("Gather", [joined, builder.constant(source.map(Int64.init), shape: [position], name: "feature_order")],
                            attributes: [Attribute.int("axis", 1)])
    }

    // MARK: - Score


    /// `x` ([rows, n]) through each column's quantile map, or `x` itself when no column has one.
    ///
    /// A piecewise-linear map is a sum of clipped ramps: q(x) = l₀ + Σⱼ min(max(x − vⱼ, 0), vⱼ₊₁ − vⱼ) · sⱼ, the
    /// same function as the binary search of ``QuantileMap/apply(_:)`` (flat below the first knot and above the
    /// last), with standard operators: the rows × columns × segments tensor it builds is the price (score large
    /// batches in pieces of some thousands of rows). Columns with fewer segments are padded with empty ones.
    static func quantileMaps(_ numeric: [ScoringModel.NumericFeature], _ x: String,
                             _ builder: inout ONNXGraphBuilder) -> String {
        guard numeric.contains(where: { $0.quantiles != nil }) else { return x }
        let n = numeric.count
        let segments = max(1, numeric.map { max(0, ($0.quantiles?.values.count ?? 0) - 1) }.max() ?? 0)
        var starts = [Float](), widths = [Float](), slopes = [Float](), first = [Float](), identity = [Float]()
        for feature in numeric {
            guard let map = feature.quantiles else {
                // No map: the column passes through unchanged (below).
                starts += [Float](repeating: 0, count: segments)
                widths += [Float](repeating: 0, count: segments)
                slopes += [Float](repeating: 0, count: segments)
                first.append(0)
                identity.append(1)
                continue
            }
            for j in 0..<segments {
                if j < map.slopes.count {
                    starts.append(map.values[j])
                    widths.append(map.values[j + 1] - map.values[j])
                    slopes.append(map.slopes[j])
                } else {
                    starts.append(map.values[map.values.count - 1])
                    widths.append(0)
                    slopes.append(0)
                }
            }
            first.append(map.levels[0])
            identity.append(0)
        }
        let expanded = builder.node("Unsqueeze", [x, builder.constant([Int64(2)], shape: [1], name: "segment_axis")])
        let above = builder.node("Sub", [expanded, builder.constant(starts, shape: [1, n, segments], name: "knot_value")])
        let ramp = builder.node("Min", [builder.node("Max", [above, builder.constant([Float(0)], shape: [1], name: "zero")]),
                                        builder.constant(widths, shape: [1, n, segments], name: "knot_width")])
        let rise = builder.node("Mul", [ramp, builder.constant(slopes, shape: [1, n, segments], name: "knot_slope")])
        let summed = builder.node("ReduceSum", [rise, builder.constant([Int64(2)], shape: [1], name: "segment_axis")],
                                  attributes: [Attribute.int("keepdims", 0)])
        var mapped = builder.node("Add", [summed, builder.constant(first, shape: [1, n], name: "knot_level")])
        if identity.contains(1) {
            // Columns without a map pass x through: mapped · (1 − identity) + x · identity.
            let keep = builder.node("Mul", [x, builder.constant(identity, shape: [1, n], name: "unmapped")])
            let drop = builder.node("Mul", [mapped, builder.constant(identity.map { 1 - $0 }, shape: [1, n], name: "mapped")])
            mapped = builder.node("Add", [drop, keep])
        }
        return mapped
    }
    /// The `[N, 1]` score of the preprocessed rows.
    static func scoreHead(_ scoring: ScoringGraph, input: String, _ builder: inout ONNXGraphBuilder) -> String {
        switch scoring.score {
        case let .network(network):
            return dense(network, input, &builder)
        case let .reconstruction(networks, mean, scale):
            let width = mean.count
            var u = input
            if !(mean.allSatisfy { $0 == 0 } && scale.allSatisfy { $0 == 1 }) {
                let centred = builder.node("Sub", [u, builder.constant(mean, shape: [1, width], name: "input_mean")])
                u = builder.node("Div", [centred, builder.constant(scale, shape: [1, width], name: "input_scale")])
            }
            let distances = networks.map { network -> String in
                let difference = builder.node("Sub", [u, dense(network, u, &builder)])
                return builder.node("Sqrt", [sumOfSquares(difference, &builder)])
            }
            guard distances.count > 1 else { return distances[0] }
            let total = builder.node("Sum", distances)
            return builder.node("Div", [total, builder.constant([Float(networks.count)], shape: [], name: "networks")])
        case let .centreDistance(network, centre):
            let difference = builder.node("Sub", [dense(network, input, &builder),
                                                  builder.constant(centre, shape: [1, centre.count], name: "centre")])
            return sumOfSquares(difference, &builder)
        }
    }

    /// `Σ_j d_j²` per row, `[N, 1]`.
    static func sumOfSquares(_ difference: String, _ builder: inout ONNXGraphBuilder) -> String {
        let squared = builder.node("Mul", [difference, difference])
        return builder.node("ReduceSum", [squared, builder.constant([Int64(1)], shape: [1], name: "axis")],
                            attributes: [Attribute.int("keepdims", 1)])
    }

    /// The folded stages as `Gemm` nodes and activations.
    static func dense(_ network: FoldedNetwork, _ input: String, _ builder: inout ONNXGraphBuilder) -> String {
        var x = input
        for stage in network.stages {
            let weight = builder.constant(stage.weight, shape: [stage.inputs, stage.outputs], name: "weight")
            let bias = builder.constant(stage.bias, shape: [stage.outputs], name: "bias")
            x = builder.node("Gemm", [x, weight, bias])
            switch stage.activation {
            case .identity: break
            case .relu: x = builder.node("Relu", [x])
            case let .leakyReLU(slope): x = builder.node("LeakyRelu", [x], attributes: [Attribute.float("alpha", Float(slope))])
            case .tanh: x = builder.node("Tanh", [x])
            case .sigmoid: x = builder.node("Sigmoid", [x])
            }
        }
        return x
    }
}
