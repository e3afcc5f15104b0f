import Foundation
import SwiftProtobuf

/// Accumulates an ONNX graph: constants (initializers), nodes with fresh names, inputs and outputs.
///
/// Internal values are named `anomaly_distill/<purpose>_<n>`, which no data column is expected to be called;
/// the exporter refuses a column whose name collides with one of the graph's own names.
struct ONNXGraphBuilder {
    /// The element types used here (`TensorProto.DataType`).
    enum ElementType: Int32 {
        case float = 1, int64 = 7, string = 8, bool = 9
    }

    private(set) var graph = Onnx_GraphProto()
    private var counter = 0

    /// A new internal value name.
    mutating func fresh(_ purpose: String) -> String {
        counter += 1
        return "anomaly_distill/\(purpose)_\(counter)"
    }

    /// A float constant of the given shape (little-endian raw data).
    mutating func constant(_ values: [Float], shape: [Int], name purpose: String) -> String {
        precondition(values.count == shape.reduce(1, *), "constant: \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = fresh(purpose)
        tensor.dataType = ElementType.float.rawValue
        tensor.dims = shape.map(Int64.init)
        tensor.rawData = values.withUnsafeBufferPointer { buffer in
            var data = Data(capacity: buffer.count * 4)
            for value in buffer {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            return data
        }
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// An int64 constant of the given shape.
    mutating func constant(_ values: [Int64], shape: [Int], name purpose: String) -> String {
        precondition(values.count == shape.reduce(1, *), "constant: \(values.count) values for shape \(shape)")
        var tensor = Onnx_TensorProto()
        tensor.name = fresh(purpose)
        tensor.dataType = ElementType.int64.rawValue
        tensor.dims = shape.map(Int64.init)
        tensor.int64Data = values
        graph.initializer.append(tensor)
        return tensor.name
    }

    /// Adds a node and returns its (first) output's name.
    @discardableResult
    mutating func node(_ operation: String, _ inputs: [String], domain: String = "",
                       attributes: [Onnx_AttributeProto] = [], output: String? = nil) -> String {
        var node = Onnx_NodeProto()
        node.opType = operation
        node.input = inputs
        let result = output ?? fresh(operation.lowercased())
        node.output = [result]
        node.name = "\(operation)_\(graph.node.count)"
        if !domain.isEmpty { node.domain = domain }
        node.attribute = attributes
        graph.node.append(node)
        return result
    }

    /// A graph input or output: a tensor of `type` with a dynamic first dimension `N` and the given others.
    static func value(_ name: String, _ type: ElementType, trailing: [Int]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        shape.dim = [batch] + trailing.map { size in
            var dimension = Onnx_TensorShapeProto.Dimension()
            dimension.dimValue = Int64(size)
            return dimension
        }
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = type.rawValue
        tensorType.shape = shape
        var typeProto = Onnx_TypeProto()
        typeProto.tensorType = tensorType
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = typeProto
        return info
    }

    mutating func addInput(_ name: String, _ type: ElementType, trailing: [Int]) {
        graph.input.append(Self.value(name, type, trailing: trailing))
    }

    mutating func addOutput(_ name: String, _ type: ElementType, trailing: [Int], doc: String) {
        var info = Self.value(name, type, trailing: trailing)
        info.docString = doc
        graph.output.append(info)
    }
}

/// Attribute constructors.
enum Attribute {
    static func int(_ name: String, _ value: Int64) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = value
        return attribute
    }

    static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }

    static func ints(_ name: String, _ values: [Int64]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .ints
        attribute.ints = values
        return attribute
    }

    static func strings(_ name: String, _ values: [String]) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .strings
        attribute.strings = values.map { Data($0.utf8) }
        return attribute
    }
}
