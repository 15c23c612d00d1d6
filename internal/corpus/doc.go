// Package corpus tests authgen on real published specs of payment and
// banking APIs, as a user would run it: each is generated into a module of
// its own, vetted, built and tested there, the test calling a typed API
// operation through the generated client against its generated double.
//
// The specs are in testdata/<case> with a SOURCE note each; those of the
// APIs-guru directory are read from the npm package pinned in testdata/npm
// (`make corpus` installs it) rather than committed.
package corpus
