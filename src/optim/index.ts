/** The optim barrel: everything this area exports publicly. */
export {};
