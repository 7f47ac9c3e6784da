# Writes OUTPUT, a C++ file defining `extern const char* const SYMBOL` as the text of INPUT, so
# the report page's style sheet and script live in files of their own that tools can lint.
file(READ "${INPUT}" content)
if(content MATCHES "\\)COREFLOW_ASSET\"")
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )COREFLOW_ASSET\"")
endif()
file(WRITE "${OUTPUT}.tmp"
     "// Generated from ${NAME} at build time; edit that file instead.\n"
     "namespace coreflow {\n"
     "extern const char* const ${SYMBOL} = R\"COREFLOW_ASSET(${content})COREFLOW_ASSET\";\n"
     "}  // namespace coreflow\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
