// Skeleton: the Verifier service is built in its own issue; until then it refuses to start.
Console.Error.WriteLine("keylime Verifier: not built yet");
return 1;
