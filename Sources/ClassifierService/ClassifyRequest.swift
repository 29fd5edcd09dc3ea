import HTTP
import ImageDecoding
import ShuffleNet

/// What a /classify request asks for, read from its query and body before any worker time is spent.
struct ClassifyRequest {
    /// One uploaded image: a form part named `image` (with its filename, if the client gave one) or the raw body.
    struct Upload {
        let filename: String?
        let bytes: [UInt8]
    }

    let model: ServedModel
    let topK: Int
    let orientation: DecodeOptions.Orientation
    let uploads: [Upload]
    /// Several `image` parts: the answer has one entry per image (`results`) instead of one image's fields.
    let isBatch: Bool

    static func parse(_ request: HTTPRequest, models: ModelRegistry, maxImages: Int) -> Result<ClassifyRequest, ClassificationError> {
        let modelName = request.head.queryValue("model")
        guard let model = models.named(modelName) else { return .failure(.unknownModel(modelName ?? "", known: models.names)) }
        return parseTopK(request.head.queryValue("top_k"), classes: model.model.config.classes).flatMap { topK in
            parseOrientation(request.head.queryValue("orientation")).flatMap { orientation in
                uploads(request, maxImages: maxImages).map { uploads in
                    ClassifyRequest(model: model, topK: topK, orientation: orientation, uploads: uploads, isBatch: uploads.count > 1)
                }
            }
        }
    }

    static func parseTopK(_ text: String?, classes: Int) -> Result<Int, ClassificationError> {
        guard let text else { return .success(min(5, classes)) }
        guard let k = Int(text), (1...classes).contains(k) else {
            return .failure(.badTopK("top_k must be an integer from 1 to \(classes) (got '\(text.prefix(32))')"))
        }
        return .success(k)
    }

    /// `apply` (default: what a person sees is classified) or `ignore` (the pixels as stored).
    static func parseOrientation(_ text: String?) -> Result<DecodeOptions.Orientation, ClassificationError> {
        guard let text else { return .success(.apply) }
        guard let orientation = DecodeOptions.Orientation(rawValue: text) else {
            return .failure(.badOrientation("orientation must be 'apply' or 'ignore' (got '\(text.prefix(32))')"))
        }
        return .success(orientation)
    }

    /// The images: every part named `image` of a multipart/form-data body, in order, or the whole body.
    static func uploads(_ request: HTTPRequest, maxImages: Int) -> Result<[Upload], ClassificationError> {
        let contentType = request.headers["Content-Type"] ?? ""
        guard contentType.lowercased().hasPrefix("multipart/") else {
            guard !request.body.isEmpty else {
                return .failure(.missingImage("the request has no image: send multipart/form-data with an 'image' part, or the image as the body with its Content-Type"))
            }
            return .success([Upload(filename: nil, bytes: request.body)])
        }
        let parts: [MultipartPart]
        do {
            parts = try MultipartParser.parse(request.body, boundary: try MultipartParser.boundary(contentType: contentType))
        } catch {
            return .failure(.badMultipart("\(error)"))
        }
        let images = parts.filter { $0.name == "image" }
        guard !images.isEmpty else {
            let names = parts.compactMap(\.name)
            return .failure(.missingImage("no part named 'image' in the form (parts: \(names.isEmpty ? "none" : names.joined(separator: ", "))); send curl -F image=@photo.png"))
        }
        guard images.count <= maxImages else { return .failure(.tooManyImages(count: images.count, limit: maxImages)) }
        // One empty part is the request's error; among several, it is that entry's error (see ClassifyRoute).
        if images.count == 1, images[0].body.isEmpty { return .failure(.missingImage("the 'image' part is empty")) }
        return .success(images.map { Upload(filename: $0.filename, bytes: $0.body) })
    }
}
