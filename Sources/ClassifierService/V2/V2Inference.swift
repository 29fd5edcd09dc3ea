import HTTP
import ImageDecoding
import MonotonicClock
import OpenInference
import ShuffleNet

/// `POST /v2/models/{m}[/versions/{v}]/infer`: exactly one of the inputs `input` (FP32 [N, 3, S, S]) or
/// `image` (BYTES [N]); the outputs `logits` and `probabilities` ([N, classes]), as tensors or through the
/// classification extension. The N images are one queue entry whose parts (one image each) run on whichever
/// workers are free, as /classify's images do.
extension ClassifierAPI {
    /// One image of a V2 request, as the pool part that runs it sees it.
    private enum V2Image: Sendable {
        case tensor(ClassifierInput)   // one image of the `input` tensor, read where it is
        case encoded(bytes: ArraySlice<UInt8>, header: ImageHeader)
    }

    func v2Infer(_ request: HTTPRequest) async -> HTTPResponse {
        metrics.inflight(1)
        defer { metrics.inflight(-1) }
        do {
            let served = try v2Model(request)
            guard state.acceptsWork else {
                throw V2ServiceError(ClassificationError.unavailable("the service is starting: models are loading and warming up"))
            }
            let decoded = try InferenceRequest.decode(body: request.body, headerLength: request.headers[inferenceHeaderContentLengthField],
                                                      limits: InferenceLimits(maxJSONDepth: configuration.maxJSONDepth))
            let outputs = try requestedOutputs(decoded, model: served.model)
            let images = try v2Images(decoded, model: served.model)
            let logits = try await v2Run(images, model: served)
            let response = InferenceResponse(modelName: served.name, modelVersion: ModelTensors.version, id: decoded.id,
                                             outputs: outputs.map { v2Output($0, logits: logits, model: served.model, request: decoded) })
            return response.encoded().httpResponse()
        } catch let error as any HTTPResponseError {
            return InferenceErrorBody.response(for: error)
        } catch {
            return InferenceErrorBody.response(for: V2ServiceError(.unavailable("\(error)")))
        }
    }

    /// The requested outputs (all, when the request names none), each a known name.
    private func requestedOutputs(_ request: InferenceRequest, model: ShuffleNetModel) throws(InferenceProtocolError) -> [RequestedOutput] {
        let known = ModelTensors.outputs(model).map(\.name)
        guard let outputs = request.outputs else { return known.map { RequestedOutput(name: $0) } }
        for output in outputs where !known.contains(output.name) {
            throw .unknownTensor(kind: "output", name: output.name, known: known)
        }
        return outputs
    }

    /// The request's images: exactly one input, `input` or `image`, with a batch of 1…--max-batch.
    private func v2Images(_ request: InferenceRequest, model: ShuffleNetModel) throws -> [V2Image] {
        let known = ["input", "image"]
        for input in request.inputs where !known.contains(input.name) {
            throw InferenceProtocolError.unknownTensor(kind: "input", name: input.name, known: known)
        }
        guard request.inputs.count == 1, let input = request.inputs.first else {
            throw InferenceProtocolError.invalidRequest("send exactly one input: 'input' (FP32 [N, 3, S, S], preprocessed) or 'image' (BYTES [N], encoded image files); got \(request.inputs.count)")
        }
        try input.validate(against: input.name == "input" ? ModelTensors.input(model) : ModelTensors.image)
        let batch = input.shape[0]
        guard batch >= 1 else { throw InferenceProtocolError.invalidTensor(name: input.name, reason: "the batch dimension is 0") }
        guard batch <= configuration.maxBatch else {
            throw InferenceProtocolError.tooLarge(what: "batch of tensor '\(input.name)' (--max-batch)", actual: batch, limit: configuration.maxBatch)
        }
        if input.name == "input" {
            let perImage = input.elementCount / batch  // floats
            switch input.data {
            case .fp32Bytes(let bytes):  // binary data: each image converted straight from the request body
                return (0..<batch).map { .tensor(.fp32LittleEndian(bytes: bytes.storage, offset: bytes.byteRange.lowerBound + 4 * $0 * perImage)) }
            case .fp32(let values):
                return (0..<batch).map { .tensor(.tensor(values: values, offset: $0 * perImage)) }
            default:
                throw InferenceProtocolError.invalidTensor(name: "input", reason: "no FP32 data")
            }
        }
        guard let files = input.data.bytes, files.count == batch else {
            throw InferenceProtocolError.invalidTensor(name: "image", reason: "expected \(batch) encoded images")
        }
        // Headers are judged before queueing, as /classify does: a non-image or a pixel bomb costs no worker time.
        return try files.enumerated().map { index, file in
            switch ClassificationPipeline.probe(Array(file), limits: configuration.decodeSettings().limits) {
            case .success(let header): return .encoded(bytes: file, header: header)
            case .failure(let error): throw V2ServiceError(error, image: index)
            }
        }
    }

    /// Runs every image as a part of one pool job; the logits in image order, [N][classes].
    private func v2Run(_ images: [V2Image], model served: ServedModel) async throws -> [[Float]] {
        let settings = configuration.decodeSettings()
        let outcomes: [Result<[Float], ClassificationError>]
        do {
            outcomes = try await pool.submit(parts: images.count, timeout: configuration.requestTimeout) { worker, part, waited in
                let classifier = served.classifier(worker: worker)
                self.metrics.queued(seconds: max(0, waited))
                switch images[part] {
                case .tensor(let tensor):
                    let output = classifier.run([tensor])
                    self.metrics.inference(model: served.name, seconds: output.inferenceSeconds)
                    return .success(output.logits[0])
                case .encoded(let bytes, let header):
                    return ClassificationPipeline.run(Array(bytes), header: header, settings: settings, classifier: classifier).map { logits, result in
                        self.metrics.decoded(seconds: result.decodeSeconds)
                        self.metrics.inference(model: served.name, seconds: result.inferenceSeconds)
                        return logits
                    }
                }
            }
        } catch {
            throw V2ServiceError(ClassificationError(error))
        }
        return try outcomes.enumerated().map { index, outcome in
            switch outcome {
            case .success(let logits):
                metrics.image(model: served.name, result: "ok")
                return logits
            case .failure(let error):
                metrics.image(model: served.name, result: error.code)
                throw V2ServiceError(error, image: index)
            }
        }
    }

    /// One output tensor: logits or their softmax, [N, classes] FP32 — or, with `classification: K`, the
    /// top K of each row as BYTES strings.
    private func v2Output(_ output: RequestedOutput, logits: [[Float]], model: ShuffleNetModel, request: InferenceRequest) -> OutputTensor {
        let rows = output.name == "probabilities" ? logits.map(ShuffleNet.Classification.softmax) : logits
        let scores = Array(rows.joined()), shape = [rows.count, model.config.classes]
        let binary = request.wantsBinaryData(forOutput: output.name)
        if let k = output.classification {
            return OpenInference.Classification.output(name: output.name, scores: scores, shape: shape, k: k,
                                                       labels: ModelTensors.classNames(model), binaryData: binary)
        }
        return OutputTensor(name: output.name, datatype: .fp32, shape: shape, data: .fp32(scores), binaryData: binary)
    }
}
