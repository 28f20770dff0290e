import Foundation
import Testing

@testable import RecurCore

/// Files given where a regular file belongs are named for what they are, and a FIFO is
/// never opened.
struct FileReadingTests {
    @Test(.timeLimit(.minutes(1)))
    func eachKindOfPathGetsItsOwnReason() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/text.txt", fifo = directory + "/pipe"
        try "abc".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(try FileReading.read(file) == Data("abc".utf8))
        let cases = [
            (directory + "/none", "it does not exist"), (directory, "it is a directory"),
            // Opening a FIFO with no writer would block: the time limit ends the test then.
            (fifo, "it is a FIFO, not a regular file"), ("/dev/null", "it is a device, not a regular file"),
        ]
        for (path, reason) in cases {
            #expect(throws: FileReadError(reason: reason)) { try FileReading.read(path) }
        }
        // A model given as any of them says so through its own error.
        #expect(throws: ModelFileError(path: directory, .unreadable("it is a directory"))) {
            try Safetensors(contentsOf: directory)
        }
    }
}
