// Skeleton: the push agent is built in its own issue; until then it refuses to start.
Console.Error.WriteLine("keylime_push_model_agent: not built yet");
return 1;
