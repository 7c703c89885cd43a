def grep(prefix):
    print(f"looking for {prefix}")             #@gen_start
    try:
        while True:
            line = (yield)                     #@gen_yield
            if line.startswith(prefix):        #@gen_match
                print(line)
    except GeneratorExit:
        print("closing")                       #@gen_close

g = grep("py")                                 #@main_new
next(g)  # run to the first yield              #@main_prime
handovers = 1
for word in ["python", "java", "pypy", "c", "pytest", "rust", "pyx"]:
    g.send(word)                               #@main_send
    handovers += 1
g.close()                                      #@main_close
print(f"handovers: {handovers}")
