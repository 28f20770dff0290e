import ArgumentParser
import RecurCore

/// The `recur` command: a thin layer that parses arguments and prints; the work is
/// done by the libraries.
@main
struct RecurCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recur",
        abstract: "Generate text and music with recurrent neural networks (RNN, GRU, LSTM).",
        discussion: """
            Models are safetensors files named by their stem (`shakespeare`) in the models \
            directory, or given by path. The models directory is --models, else $RECUR_MODELS, \
            else ./models, else /usr/local/share/recur/models, else /usr/share/recur/models.

            Exit status: 0 done; 64 a malformed command line or a flag refused by the \
            command's first check; 1 a value, file, model, corpus or job refused or failing \
            (the message says what to fix); 2 `submit --wait` timed out; 128+N `train` \
            stopped by signal N (its checkpoint written).
            """,
        version: Recur.version,
        subcommands: [
            ServeCommand.self, SubmitCommand.self, StatusCommand.self, GenerateCommand.self, TrainCommand.self, BenchCommand.self,
            ModelsCommand.self, InfoCommand.self, EvalCommand.self, QuantizeCommand.self, RenderCommand.self, WebCommand.self,
            DoctorCommand.self,
        ])
}
