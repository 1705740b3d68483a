using System.CommandLine;
using Summarizer.Cli.Commands;

var root = new RootCommand("Summarizer: long-document summarization with sharded cross-attention.")
{
    SummarizeCommand.Create(),
    ModelCommand.Create(),
};
return await CliInvocation.RunAsync(root, args);
