// Skeleton: the Registrar service is built in its own issue; until then it refuses to start.
Console.Error.WriteLine("keylime Registrar: not built yet");
return 1;
