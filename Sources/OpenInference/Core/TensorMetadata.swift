/// A tensor as model metadata describes it; -1 marks a dimension of any size.
public struct TensorMetadata: Sendable, Equatable {
    public var name: String
    public var datatype: TensorDatatype
    public var shape: [Int]

    public init(name: String, datatype: TensorDatatype, shape: [Int]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
    }

    /// Whether `shape` fits this one: the same rank, and each dimension equal or -1 here.
    public func accepts(shape other: [Int]) -> Bool {
        shape.count == other.count && zip(shape, other).allSatisfy { $0 == -1 || $0 == $1 }
    }
}

extension InputTensor {
    /// Checks this input against what the model declares: `.wrongDatatype`, then `.wrongShape`, else nothing.
    public func validate(against metadata: TensorMetadata) throws(InferenceProtocolError) {
        guard datatype == metadata.datatype else {
            throw .wrongDatatype(tensor: name, expected: [metadata.datatype], actual: datatype)
        }
        guard metadata.accepts(shape: shape) else {
            throw .wrongShape(tensor: name, expected: metadata.shape, actual: shape)
        }
    }
}
