import Foundation
import RecurMusic
import Testing

/// Tokens ↔ notes (DESIGN.md §5) and the tolerance rules of docs/MUSIC.md.
struct NoteEncodingTests {
    let encoding = NoteEncoding.standard

    func tokens(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    @Test func decodingGivesPitchStartAndLength() throws {
        let decoded = try encoding.decode(tokens("n60 - - - n64 - r - n67 - - - <eos>"))
        #expect(
            decoded.melody.notes == [
                Note(pitch: 60, start: 0, length: 4), Note(pitch: 64, start: 4, length: 2), Note(pitch: 67, start: 8, length: 4),
            ])
        #expect(decoded.melody.steps == 12)
        #expect(decoded.movedPitches == 0)
        #expect(decoded.ignoredTokens == 0)
    }

    @Test func canonicalTokensRoundTripExactly() throws {
        let cases = [
            "n60 - - - n64 - r - n67 - - - <eos>",
            "r - - n72 <eos>",
            "n21 n108 n60 n60 - r <eos>",
            "n55 - - - - - - - - - - - - - - - r - - - <eos>",
        ]
        for text in cases {
            let melody = try encoding.decode(tokens(text)).melody
            #expect(encoding.tokens(for: melody) == tokens(text), "\(text)")
            #expect(encoding.tokens(for: melody, endOfTune: false) == tokens(text).dropLast())
        }
    }

    @Test func randomMelodiesRoundTripThroughTokens() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var notes: [Note] = []
            var step = Int.random(in: 0...3, using: &generator)
            for _ in 0..<Int.random(in: 0...30, using: &generator) {
                let length = Int.random(in: 1...8, using: &generator)
                notes.append(Note(pitch: Int.random(in: 21...108, using: &generator), start: step, length: length))
                step += length + (Bool.random(using: &generator) ? 0 : Int.random(in: 1...4, using: &generator))
            }
            let melody = Melody(notes: notes, steps: step + Int.random(in: 0...3, using: &generator))
            guard melody.steps > 0 else { continue }
            let decoded = try encoding.decode(encoding.tokens(for: melody))
            #expect(decoded.melody == melody)
        }
    }

    @Test func aHoldAtTheStartIsARest() throws {
        let melody = try encoding.decode(tokens("- - n60 -")).melody
        #expect(melody.notes == [Note(pitch: 60, start: 2, length: 2)])
        #expect(melody.steps == 4)
        #expect(encoding.tokens(for: melody, endOfTune: false) == tokens("r - n60 -"))
    }

    @Test func aRestAfterARestExtendsIt() throws {
        let melody = try encoding.decode(tokens("n60 r r - r n62")).melody
        #expect(melody.notes == [Note(pitch: 60, start: 0, length: 1), Note(pitch: 62, start: 5, length: 1)])
        #expect(encoding.tokens(for: melody, endOfTune: false) == tokens("n60 r - - - n62"))
    }

    @Test func aMissingEndOfTuneEndsWithTheLastToken() throws {
        let melody = try encoding.decode(tokens("n60 - n62 -")).melody
        #expect(melody.notes.last == Note(pitch: 62, start: 2, length: 2))
        #expect(melody.steps == 4)
    }

    @Test func leadingEndOfTuneIsSkippedAndTokensAfterTheEndAreCounted() throws {
        let decoded = try encoding.decode(tokens("<eos> <eos> n60 - <eos> n62 - bogus"))
        #expect(decoded.melody.notes == [Note(pitch: 60, start: 0, length: 2)])
        #expect(decoded.ignoredTokens == 3)
    }

    @Test func theSamePitchAgainStartsANewNote() throws {
        let melody = try encoding.decode(tokens("n60 n60 -")).melody
        #expect(melody.notes == [Note(pitch: 60, start: 0, length: 1), Note(pitch: 60, start: 1, length: 2)])
    }

    @Test func outOfRangePitchesMoveByOctavesIntoTheRange() throws {
        let narrow = NoteEncoding(lowestPitch: 48, highestPitch: 72)
        let decoded = try narrow.decode(tokens("n47 n73 n200 n-5 n60 n0"))
        #expect(decoded.melody.notes.map(\.pitch) == [59, 61, 68, 55, 60, 48])
        #expect(decoded.movedPitches == 5)
        // A range narrower than an octave clamps to the nearer end.
        let tiny = NoteEncoding(lowestPitch: 60, highestPitch: 62)
        #expect(tiny.pitchInRange(65) == 62)
        #expect(tiny.pitchInRange(57) == 60)
        #expect(tiny.pitchInRange(73) == 61)
    }

    @Test func markersTakeNoTime() throws {
        let marked = NoteEncoding(markers: ["%"])
        let melody = try marked.decode(tokens("n60 - - - % n62 - - - %")).melody
        #expect(melody.notes == [Note(pitch: 60, start: 0, length: 4), Note(pitch: 62, start: 4, length: 4)])
        #expect(throws: NoteDecodingError.self) { try NoteEncoding.standard.decode(tokens("n60 %")) }
    }

    @Test func unknownTokensAreRefusedWithTheirPosition() {
        for (text, bad, position) in [
            ("n60 x -", "x", 2), ("n60 - n", "n", 3), ("n6.5", "n6.5", 1), ("N60", "N60", 1),
            ("n60 n99999999999999", "n99999999999999", 2),
        ] {
            do {
                _ = try encoding.decode(tokens(text))
                Issue.record("\(text) decoded")
            } catch {
                #expect(error.problem == .unknownToken(bad))
                #expect(error.index == position - 1)
                #expect(error.description.contains("token \(position) of"), "\(error)")
                #expect(error.description.contains(bad.debugDescription))
            }
        }
    }

    @Test func anEmptyTuneIsRefused() {
        for sequence: [String] in [[], ["<eos>"], ["<eos>", "<eos>"]] {
            do {
                _ = try encoding.decode(sequence)
                Issue.record("decoded \(sequence)")
            } catch {
                #expect(error.problem == .emptyTune)
                #expect(error.index == nil)
                #expect(error.count == sequence.count)
                #expect(error.description.hasPrefix("the tune is empty"))
            }
        }
    }

    @Test func theEncodingRoundTripsThroughModelMetadataJSON() throws {
        let original = NoteEncoding(lowestPitch: 36, highestPitch: 96, markers: ["%"])
        let json = original.json
        #expect(json.contains("\"steps_per_quarter\":4"))
        #expect(json.contains("\"format\":\"recur.notes/1\""))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["lowest_pitch"] as? Int == 36)
        #expect((object["tokens"] as? [String: String])?.keys.contains("n<midi>") == true)
        #expect(try NoteEncoding(json: json) == original)
        #expect(original.vocabulary.count == 3 + 61 + 1)
        #expect(original.vocabulary.prefix(4) == ["<eos>", "-", "r", "n36"])
        #expect(
            try NoteEncoding(json: #"{"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":40,"highest_pitch":80}"#)
                == NoteEncoding(lowestPitch: 40, highestPitch: 80))
    }

    @Test func badEncodingMetadataIsRefusedNamingTheField() {
        let cases = [
            (#"{"format":"recur.notes/1","steps_per_quarter":3,"lowest_pitch":40,"highest_pitch":80}"#, "steps_per_quarter"),
            (#"{"format":"recur.notes/9","steps_per_quarter":4,"lowest_pitch":40,"highest_pitch":80}"#, "format"),
            (#"{"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":90,"highest_pitch":80}"#, "lowest_pitch"),
            (#"{"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":0,"highest_pitch":128}"#, "highest_pitch"),
            (
                #"{"format":"recur.notes/1","steps_per_quarter":4,"lowest_pitch":0,"highest_pitch":127,"markers":["r"]}"#,
                "markers"
            ),
            (#"{"format":"recur.notes/1"}"#, "notes"),
            ("not json", "notes"),
        ]
        for (json, field) in cases {
            do {
                _ = try NoteEncoding(json: json)
                Issue.record("accepted \(json)")
            } catch {
                #expect(error.field.contains(field), "\(error)")
                #expect(error.description.hasPrefix("note encoding: "))
            }
        }
    }
}
