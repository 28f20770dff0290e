import Foundation
import Testing

/// A job's files are the same bytes whenever a daemon runs it, whatever it ran before:
/// FluidSynth's audio, the Ogg pages libsndfile writes, the PDF cairo dates.
struct ReproducibleOutputTests {
    @Test func theSameJobWritesTheSameFilesWhateverRanBefore() throws {
        let fixture = try SpoolFixture()
        _ = try GenerateMusicTests.notesModel(in: fixture.models, name: "tiny-folk")
        let job = #"""
            {"model": "tiny-folk", "count": 2, "length": 48, "seed": 5, "prime": "n60 -",
             "format": ["wav", "ogg", "flac", "mp3", "midi", "score", "pdf"],
             "render": {"synth": "fluidsynth", "instrument": "flute"}}
            """#
        try fixture.submit(job, id: "a-first")
        try fixture.submit(
            #"{"model": "tiny-folk", "count": 1, "length": 64, "seed": 9, "format": ["ogg"], "render": {"synth": "fluidsynth", "instrument": "organ"}}"#,
            id: "b-other")
        try fixture.submit(job, id: "c-again")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0, "\(fixture.log(of: daemon))")
        #expect(fixture.list("done") == ["a-first", "b-other", "c-again"], "\(fixture.list("failed"))")
        let files = fixture.list("done/a-first").filter { $0.hasPrefix("sample-") }
        #expect(files.count == 14, "\(files)")
        #expect(fixture.list("done/c-again").filter { $0.hasPrefix("sample-") } == files)
        for name in files {
            let first = try Data(contentsOf: URL(fileURLWithPath: fixture.spool + "/done/a-first/" + name))
            let again = try Data(contentsOf: URL(fileURLWithPath: fixture.spool + "/done/c-again/" + name))
            let same = first == again
            #expect(first.count > 100 && same, "\(name) differs when the job runs again")
        }
    }
}
