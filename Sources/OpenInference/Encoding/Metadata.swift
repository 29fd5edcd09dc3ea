import HTTP

/// `GET /v2`: `{"name", "version", "extensions"}`.
public struct ServerMetadata: Sendable, Equatable {
    public var name: String
    public var version: String
    /// Protocol extensions this server implements, e.g. `binary_tensor_data`, `classification`.
    public var extensions: [String]

    public init(name: String, version: String, extensions: [String]) {
        self.name = name
        self.version = version
        self.extensions = extensions
    }

    public var json: JSONValue {
        ["name": .string(name), "version": .string(version), "extensions": .array(extensions.map { .string($0) })]
    }

    public var body: [UInt8] { json.bytes }
}

extension TensorMetadata {
    public var json: JSONValue {
        ["name": .string(name), "datatype": .string(datatype.rawValue), "shape": .array(shape.map { .integer($0) })]
    }
}

/// `GET /v2/models/{m}[/versions/{v}]`: `{"name", "versions", "platform", "inputs", "outputs"}`.
public struct ModelMetadata: Sendable, Equatable {
    public var name: String
    public var versions: [String]
    public var platform: String
    public var inputs: [TensorMetadata]
    public var outputs: [TensorMetadata]
    /// Optional `"parameters"` (key/value pairs, as the protocol's other objects carry): omitted when empty.
    public var parameters: [(key: String, value: JSONValue)]

    public init(name: String, versions: [String], platform: String, inputs: [TensorMetadata], outputs: [TensorMetadata],
                parameters: [(key: String, value: JSONValue)] = []) {
        self.name = name
        self.versions = versions
        self.platform = platform
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
    }

    /// Equal when they encode to the same JSON (`JSONValue` is not Equatable).
    public static func == (a: ModelMetadata, b: ModelMetadata) -> Bool { a.body == b.body }

    public var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("name", .string(name)), ("versions", .array(versions.map { .string($0) })), ("platform", .string(platform)),
            ("inputs", .array(inputs.map(\.json))), ("outputs", .array(outputs.map(\.json))),
        ]
        if !parameters.isEmpty { members.append(("parameters", .object(parameters))) }
        return .object(members)
    }

    public var body: [UInt8] { json.bytes }
}
