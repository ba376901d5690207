/** The train barrel: everything this area exports publicly. */
export {};
