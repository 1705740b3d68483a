namespace Summarizer.Model;
