import Foundation
import TestSupport
import XCTest

/// One entry of imagenet-dev/labels.json.
struct DevPhoto: Decodable {
    let file: String
    let reference_top1: [String: Int]
}

/// The 200 labelled ImageNet photos (JPEG) of ../shared/photos/imagenet-dev through `shufflenet classify`:
/// the top-1 must be the float reference's (labels.json, computed from Pillow's decoding) for at least 99 %
/// of them, for both checkpoints; the exceptions are named.
extension CLITests {
    func testEveryDevPhotoGetsTheReferenceTopOne() throws {
        let folder = try SharedFixtures.path("photos/imagenet-dev")
        let photos = try JSONDecoder().decode([DevPhoto].self, from: Data(try SharedFixtures.data("photos/imagenet-dev/labels.json")))
        XCTAssertEqual(photos.count, 200)
        for (groups, key) in [("g3", "g3_0.5x"), ("g8", "g8_0.5x")] {
            let model = try model(groups)
            let run = try runProcess(CLITests.binary, ["classify", "--model", model, "--json", "--top-k", "1"] + photos.map { "\(folder)/\($0.file)" })
            XCTAssertEqual(run.status, 0, run.stderr)
            let answers = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
            XCTAssertEqual(answers.count, photos.count)
            var exceptions: [String] = []
            for (photo, answer) in zip(photos, answers) {
                let top = ((answer["predictions"] as? [[String: Any]])?.first?["index"] as? Int) ?? -1
                if top != photo.reference_top1[key] { exceptions.append("\(photo.file): \(top), reference \(photo.reference_top1[key] ?? -1)") }
            }
            print("imagenet-dev \(key): \(photos.count - exceptions.count)/\(photos.count) equal the reference top-1; exceptions: \(exceptions)")
            XCTAssertGreaterThanOrEqual(Double(photos.count - exceptions.count) / Double(photos.count), 0.99, "\(key): \(exceptions)")
        }
    }
}
